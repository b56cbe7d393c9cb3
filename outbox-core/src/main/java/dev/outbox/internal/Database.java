package dev.outbox.internal;

import dev.outbox.TableNames;
import dev.outbox.jdbc.Dialects;
import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The outbox's database: where connections come from, and the dialect's SQL, detected from the first connection
 * unless configured and then kept (also by copies on another pool of the same database, see {@link #on(Jdbi)}).
 */
public final class Database {
    private final Jdbi jdbi;
    /** The pool behind {@link #jdbi}, when known: the relay borrows its claim connections straight from it. */
    private final DataSource dataSource;
    private final TableNames tables;
    private final AtomicReference<Stores> stores;

    public Database(Jdbi jdbi, Dialect dialect, TableNames tables) {
        this(jdbi, null, dialect, tables);
    }

    public Database(Jdbi jdbi, DataSource dataSource, Dialect dialect, TableNames tables) {
        this(jdbi, dataSource, tables, new AtomicReference<>(dialect == null ? null : Stores.of(dialect, tables)));
    }

    private Database(Jdbi jdbi, DataSource dataSource, TableNames tables, AtomicReference<Stores> stores) {
        this.jdbi = jdbi;
        this.dataSource = dataSource;
        this.tables = tables;
        this.stores = stores;
    }

    /** The same database reached through another pool (e.g. the relay's own); shares the detected dialect. */
    public Database on(Jdbi other, DataSource otherDataSource) {
        return new Database(other, otherDataSource, tables, stores);
    }

    /** A connection borrowed for a while (a claim's transaction), and how to give it back. */
    public interface Lease extends AutoCloseable {
        Connection connection();

        /** Gives the connection back to the pool; never throws. */
        @Override
        void close();
    }

    /**
     * Borrows a connection: straight from the pool when it is known (no handle to build and tear down per claim),
     * else through a Jdbi handle.
     */
    public Lease lease() throws SQLException {
        if (dataSource != null) {
            Connection connection = dataSource.getConnection();
            return new Lease() {
                @Override
                public Connection connection() {
                    return connection;
                }

                @Override
                public void close() {
                    try {
                        connection.close();
                    } catch (SQLException | RuntimeException e) {
                        // the pool discards a connection it cannot take back
                    }
                }
            };
        }
        Handle handle = jdbi.open();
        return new Lease() {
            @Override
            public Connection connection() {
                return handle.getConnection();
            }

            @Override
            public void close() {
                try {
                    handle.close();
                } catch (RuntimeException e) {
                    // closing with a transaction open: the pool resets or discards the connection
                }
            }
        };
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public TableNames tables() {
        return tables;
    }

    /** The stores, detecting the dialect from {@code connection} the first time. */
    public Stores stores(Connection connection) throws SQLException {
        Stores current = stores.get();
        if (current == null) {
            stores.compareAndSet(null, Stores.of(Dialects.detect(connection), tables));
            current = stores.get();
        }
        return current;
    }

    /** Runs {@code work} on a connection in auto-commit mode (unless the work changes it), then gives it back. */
    public <T> T withConnection(Work<T> work) throws SQLException {
        try (Handle handle = jdbi.open()) {
            Connection connection = handle.getConnection();
            boolean autoCommit = connection.getAutoCommit();
            if (!autoCommit) {
                connection.setAutoCommit(true);
            }
            try {
                return work.apply(connection, stores(connection));
            } finally {
                if (connection.getAutoCommit() != autoCommit) {
                    connection.setAutoCommit(autoCommit);
                }
            }
        }
    }

    /** Runs {@code work} in a READ COMMITTED transaction and commits; rolls back on failure. */
    public <T> T inTransaction(Work<T> work) throws SQLException {
        return withConnection((connection, stores) -> {
            int isolation = connection.getTransactionIsolation();
            if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            connection.setAutoCommit(false);
            try {
                T result = work.apply(connection, stores);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                connection.setAutoCommit(true);
                if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
                    connection.setTransactionIsolation(isolation);
                }
            }
        });
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Database work with a connection and the stores of its dialect. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection, Stores stores) throws SQLException;
    }
}
