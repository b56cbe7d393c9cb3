package dev.outbox.internal.relay;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A claimed batch and the open transaction whose row locks are the claim. Exactly one thread ends it: the lane
 * that recorded its outcome, or {@code close()} abandoning a batch still in flight after the close timeout, which
 * rolls it back so that its rows are claimable at once and its connection goes back to the pool.
 */
public final class Claim {
    private static final Logger log = LoggerFactory.getLogger(Claim.class);

    private final Handle handle;
    private final List<Claimed> batch;
    private final long claimNanos;
    private final AtomicBoolean taken = new AtomicBoolean();
    private volatile boolean ended;
    private volatile Runnable onEnd = () -> { };

    Claim(Handle handle, List<Claimed> batch, long claimNanos) {
        this.handle = handle;
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
        return handle.getConnection();
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
            handle.getConnection().commit();
            committed = true;
            handle.getConnection().setAutoCommit(true);
        } finally {
            if (!committed) {
                rollback();
            } else {
                close(handle);
            }
        }
    }

    /** Rolls back and gives the connection back, unless already ended; failures are logged, never thrown. */
    public void rollback() {
        if (ended) {
            return;
        }
        try {
            Connection c = handle.getConnection();
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not roll back a claim transaction of {} message(s); the pool discards its connection: {}",
                    batch.size(), e.toString());
        } finally {
            close(handle);
        }
    }

    private void close(Handle handle) {
        ended = true;
        try {
            closeHandle(handle);
        } finally {
            onEnd.run();
        }
    }

    /** Closes a handle whose transaction may still be open (the pool then discards or resets the connection). */
    static void closeHandle(Handle handle) {
        try {
            handle.close();
        } catch (RuntimeException e) {
            log.debug("closing a claim handle: {}", e.toString());
        }
    }
}
