package dev.outbox;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Hands the writer the connection of the transaction in progress, for frameworks that bind transactions to the
 * thread. With Spring:
 *
 * <pre>{@code
 * Outbox.builder()
 *         .dataSource(dataSource)
 *         .connectionSupplier(new ConnectionSupplier() {
 *             public Connection get() { return DataSourceUtils.getConnection(dataSource); }
 *             public void release(Connection c) { DataSourceUtils.releaseConnection(c, dataSource); }
 *         })
 *         .build();
 * }</pre>
 *
 * Then {@link Outbox#write(OutboxMessage)} joins the current {@code @Transactional} method's transaction.
 */
@FunctionalInterface
public interface ConnectionSupplier {

    /** The connection of the current transaction. */
    Connection get() throws SQLException;

    /** Gives the connection back after a write; the default does nothing (the transaction owns it). */
    default void release(Connection connection) throws SQLException {
    }

    /**
     * Runs {@code action} after the current transaction commits, if the framework can tell; the default cannot
     * and does nothing. The outbox uses it to wake its relays at once. With Spring:
     * {@code TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
     * public void afterCommit() { action.run(); } })}.
     */
    default void afterCommit(Runnable action) {
    }
}
