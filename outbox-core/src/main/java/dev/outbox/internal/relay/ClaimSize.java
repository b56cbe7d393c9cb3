package dev.outbox.internal.relay;

/**
 * How many rows a lane's next claim asks for. It starts small, doubles while claims come back full (there is a
 * backlog) up to the configured batch size, and halves while they come back less than half full: an idle relay
 * claims few rows and publishes them at once, a backlog is drained in large batches. Used by one lane thread at a
 * time (a replacement thread starts after the one it replaces stopped claiming).
 */
final class ClaimSize {
    /** The first and smallest claim, unless the batch size is smaller. */
    static final int START = 100;

    private final int max;
    private final int min;
    private int rows;

    ClaimSize(int max) {
        this.max = max;
        this.min = Math.min(START, max);
        this.rows = min;
    }

    int rows() {
        return rows;
    }

    /** Adapts to a claim that returned {@code claimed} rows; true when it was full. */
    boolean claimed(int claimed) {
        boolean full = claimed >= rows;
        if (full) {
            rows = Math.min(max, rows * 2);
        } else if (claimed < rows / 2) {
            rows = Math.max(min, rows / 2);
        }
        return full;
    }
}
