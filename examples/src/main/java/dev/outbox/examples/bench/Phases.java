package dev.outbox.examples.bench;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/** Where a relay's batches spend their time: claim, publish (until every ack), and completion (delete, commit). */
final class Phases {
    private final LongAdder batches = new LongAdder();
    private final LongAdder claim = new LongAdder();
    private final LongAdder publish = new LongAdder();
    private final LongAdder complete = new LongAdder();

    void add(long claimNanos, long publishNanos, long completeNanos) {
        batches.increment();
        claim.add(claimNanos);
        publish.add(publishNanos);
        complete.add(completeNanos);
    }

    long batches() {
        return batches.sum();
    }

    /** Mean milliseconds per batch of each phase. */
    @Override
    public String toString() {
        double n = Math.max(1, batches.sum()) * 1e6;
        return String.format(Locale.ROOT, "claim %.2f, publish %.2f, complete %.2f ms", claim.sum() / n,
                publish.sum() / n, complete.sum() / n);
    }
}
