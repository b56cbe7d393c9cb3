package dev.outbox.internal.relay;

import dev.outbox.internal.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A claimed batch and the open transaction whose row locks are the claim. Exactly one thread ends it: the lane
 * that recorded its outcome, or {@code close()} abandoning a batch still in flight after the close timeout, which
 * rolls it back so that its rows are claimable at once and its connection goes back to the pool.
 */
public final class Claim {
    private static final Logger log = LoggerFactory.getLogger(Claim.class);

    private final Database.Lease lease;
    private final List<Claimed> batch;
    private final long claimNanos;
    private final AtomicBoolean taken = new AtomicBoolean();
    private volatile boolean ended;
    private volatile Runnable onEnd = () -> { };

    Claim(Database.Lease lease, List<Claimed> batch, long claimNanos) {
        this.lease = lease;
        this.batch = Collections.unmodifiableList(batch);
        this.claimNanos = claimNanos;
    }

    public List<Claimed> batch() {
        return batch;
    }

    /** How long claiming took. */
    public long claimNanos() {
        return claimNanos;
    }

    Connection connection() {
        return lease.connection();
    }

    /** Runs {@code action} once, when the claim ends (committed or rolled back), whoever ends it. */
    void onEnd(Runnable action) {
        this.onEnd = action;
    }

    /** Takes the claim to end it; false when another thread (close, the watchdog) already did. */
    public boolean take() {
        return taken.compareAndSet(false, true);
    }

    /** Rolls back a claim nobody has taken yet; true when this call did. */
    public boolean abandon() {
        if (!take()) {
            return false;
        }
        rollback();
        return true;
    }

    /** Commits the recorded outcome and gives the connection back. */
    void commit() throws SQLException {
        boolean committed = false;
        try {
            lease.connection().commit();
            committed = true;
            lease.connection().setAutoCommit(true);
        } finally {
            if (!committed) {
                rollback();
            } else {
                close();
            }
        }
    }

    /** Rolls back and gives the connection back, unless already ended; failures are logged, never thrown. */
    public void rollback() {
        if (ended) {
            return;
        }
        try {
            Connection c = lease.connection();
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not roll back a claim transaction of {} message(s); the pool discards its connection: {}",
                    batch.size(), e.toString());
        } finally {
            close();
        }
    }

    private void close() {
        ended = true;
        try {
            lease.close();
        } finally {
            onEnd.run();
        }
    }
}
