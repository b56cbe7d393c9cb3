package dev.outbox.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets at most one write transaction per interval send the wake-up notification. On PostgreSQL every notifying
 * transaction takes one database-wide lock at commit, so notifying writers commit one at a time; a relay woken by
 * one notification claims what has committed, and what commits just after is found by its next poll, which comes
 * within its minimum poll interval after work. Safe for concurrent use.
 */
public final class NotifyThrottle {
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());

    public NotifyThrottle(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** Whether this transaction should notify: true at most once per interval. */
    public boolean acquire() {
        if (intervalNanos == 0) {
            return true;
        }
        long now = System.nanoTime();
        long due = nextAllowed.get();
        return now - due >= 0 && nextAllowed.compareAndSet(due, now + intervalNanos);
    }
}
