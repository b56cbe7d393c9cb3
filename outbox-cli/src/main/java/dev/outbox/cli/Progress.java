package dev.outbox.cli;

import dev.outbox.OutboxAdmin;
import java.io.PrintWriter;

/**
 * A progress bar on the error stream, with rate and ETA: redrawn in place on a terminal, a line every few seconds
 * otherwise (logs, CI).
 */
final class Progress implements OutboxAdmin.Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long LINE_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final String verb;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDrawn;
    private boolean drawn;

    Progress(PrintWriter err, String verb) {
        this.err = err;
        this.verb = verb;
        this.terminal = System.console() != null;
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        boolean last = done >= total;
        if (!last && now - lastDrawn < (terminal ? REDRAW_NANOS : LINE_NANOS)) {
            return;
        }
        lastDrawn = now;
        double seconds = Math.max(1e-3, (now - start) / 1e9);
        double rate = done / seconds;
        long eta = rate <= 0 ? 0 : (long) ((total - done) / rate);
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        String line = String.format("%s [%s%s] %,d/%,d %3d%% %,.0f/s ETA %ds", verb, "#".repeat(filled),
                " ".repeat(WIDTH - filled), done, total, total == 0 ? 100 : done * 100 / total, rate, eta);
        if (terminal) {
            err.print("\r" + line);
        } else {
            err.println(line);
        }
        err.flush();
        drawn = true;
    }

    /** Ends the bar's line. */
    void finish() {
        if (drawn && terminal) {
            err.println();
            err.flush();
        }
    }
}
