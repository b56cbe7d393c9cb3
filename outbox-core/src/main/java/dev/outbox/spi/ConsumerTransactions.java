package dev.outbox.spi;

import org.jdbi.v3.core.Handle;

/**
 * How an idempotent consumer runs one attempt in a database transaction, so that its deduplication record and every
 * write of its handler commit or roll back together. The default opens a Jdbi handle of its own and begins, commits
 * or rolls back on it; a framework binding runs the attempt in the framework's transaction instead, so that the
 * handler's writes through the framework's own tools (Spring's {@code JdbcTemplate}, JPA) join it.
 *
 * <p>Implementations are called by every consumer thread at once and must be thread-safe.
 */
public interface ConsumerTransactions {

    /**
     * Runs {@code work} in a new transaction, on a handle whose connection is that transaction's; commits when
     * {@code work} returns, rolls back and rethrows what it throws. Failures to begin or commit are thrown as they are.
     */
    void inTransaction(Work work) throws Exception;

    /** What runs in the transaction. */
    @FunctionalInterface
    interface Work {
        void run(Handle handle) throws Exception;
    }
}
