package dev.outbox.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What differs between databases: column types for ids and timestamps, the schema script, how a claim transaction
 * starts, a few clauses (row limits, bounded deletes, insert-if-absent) and the optional wake-up notification. The
 * SQL the library issues is otherwise the same everywhere, so a new database means one new dialect class.
 *
 * <p>The shipped dialects are in {@code dev.outbox.jdbc} (PostgreSQL, MySQL/MariaDB, H2). A new dialect is
 * proved by extending {@code DialectContract} and {@code RelayContract} from the core test-jar against the real
 * database. Implementations are stateless and thread-safe.
 */
public interface Dialect {

    /** A short lower-case name, e.g. {@code postgresql}; used in messages and resource paths. */
    String name();

    /**
     * Classpath location of the first versioned schema script, written for the default table names, e.g.
     * {@code dev/outbox/jdbc/postgresql/V1__outbox.sql}. Later versions ({@code V2__…}) live beside it and are
     * listed by {@link #schemaResources()}. Statements end with {@code ;} at the end of a line.
     */
    String schemaResource();

    /** Every versioned schema script, oldest first; by default only {@link #schemaResource()}. */
    default List<String> schemaResources() {
        return List.of(schemaResource());
    }

    void setUuid(PreparedStatement statement, int index, UUID value) throws SQLException;

    /** Reads a UUID column by position (the relay reads rows by position: no name lookups per row). */
    @Nullable UUID getUuid(ResultSet row, int column) throws SQLException;

    default @Nullable UUID getUuid(ResultSet row, String column) throws SQLException {
        return getUuid(row, row.findColumn(column));
    }

    /** Binds an instant; the dialect chooses the type that keeps microsecond precision in UTC. */
    void setInstant(PreparedStatement statement, int index, Instant value) throws SQLException;

    /** Reads a timestamp column by position as an instant, or null. */
    @Nullable Instant getInstant(ResultSet row, int column) throws SQLException;

    default @Nullable Instant getInstant(ResultSet row, String column) throws SQLException {
        return getInstant(row, row.findColumn(column));
    }

    /**
     * An SQL expression giving the timestamp {@code column} as microseconds since the epoch (a BIGINT), or null when
     * the dialect has none. Relays read the timestamps of the rows they claim through it: a long per value instead of
     * the date-time objects a driver builds, which were a third of a relay's allocation. Default null.
     */
    default @Nullable String epochMicros(String column) {
        return null;
    }

    /**
     * The length of {@code value} as this database counts it against a {@code VARCHAR(n)} limit: Unicode code
     * points by default (PostgreSQL, MySQL); H2 counts UTF-16 units. The writer validates text fields with it, so
     * that what it accepts the database accepts.
     */
    default int textLength(String value) {
        return value.codePointCount(0, value.length());
    }

    /** A row-limit clause with one parameter, appended to a query; {@code " LIMIT ?"} by default. */
    default String limit() {
        return " LIMIT ?";
    }

    /**
     * The locking clause appended to the relay's claim query: the claim is the row lock, held while the batch is
     * published, and competing relays skip locked rows. A dialect without {@code SKIP LOCKED} may return
     * {@code " FOR UPDATE"}: still correct, but relays then wait for each other.
     */
    default String skipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /**
     * A condition matching {@code column} against {@code count} values bound by {@link #bindLongs}:
     * {@code column IN (?, ?, ...)} by default. PostgreSQL binds one array instead ({@code column = ANY (?)}): one
     * parameter and one plan for any count.
     */
    default String inLongs(String column, int count) {
        return column + " IN (" + (count == 1 ? "?" : "?" + ", ?".repeat(count - 1)) + ")";
    }

    /** Binds {@code values} for {@link #inLongs} from parameter {@code first}; returns the next free index. */
    default int bindLongs(PreparedStatement statement, int first, long[] values) throws SQLException {
        int i = first;
        for (long value : values) {
            statement.setLong(i++, value);
        }
        return i;
    }

    /**
     * A suffix for {@code DELETE ... WHERE seq IN (...)} of {@code rows} rows; MySQL/MariaDB need {@code LIMIT}
     * to keep such deletes on the primary key instead of a scan that deadlocks between relays.
     */
    default String deleteLimit(int rows) {
        return "";
    }

    /**
     * A statement deleting at most {@code rows} rows of {@code table} that match {@code where} (a condition with
     * {@code ?} parameters), so that retention purges run in bounded batches. The default is
     * {@code DELETE FROM table WHERE where LIMIT rows} (MySQL, MariaDB, H2).
     */
    default String deleteAtMost(String table, String where, int rows) {
        return "DELETE FROM " + table + " WHERE " + where + " LIMIT " + rows;
    }

    /**
     * An INSERT of {@code columns} into {@code table} that leaves an existing row with the same primary key alone.
     * It either updates no row, or fails with an integrity violation (SQLState class 23) without ending the
     * transaction; callers treat both as "already there". The default is a plain INSERT, which does the latter on
     * databases that keep a transaction usable after a failed statement (MySQL, H2).
     */
    default String insertIfAbsent(String table, String columns, int count) {
        return "INSERT INTO " + table + " (" + columns + ") VALUES (" + "?, ".repeat(count - 1) + "?)";
    }

    /**
     * Starts a relay's claim transaction on {@code connection}: auto-commit off, READ COMMITTED, and where the
     * database can, a limit so that it ends the transaction if the relay stops answering for {@code idleTimeout}
     * (a frozen process keeps its claims' locks otherwise). Returns statements, each ending in {@code "; "}, that
     * must precede the claim's first query in the same prepared statement (saving a round trip where the driver
     * sends them together, see {@link #sendsStatementsTogether()}), or {@code ""} when this method did all. The
     * default sets auto-commit and isolation through JDBC and returns {@code ""}.
     */
    default String beginClaim(Connection connection, Duration idleTimeout) throws SQLException {
        connection.setAutoCommit(false);
        if (connection.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
        return "";
    }

    /**
     * Starts listening for the {@link #wakeUpStatement()} notifications of {@code channel} on a dedicated
     * connection; empty where the database has no notifications (the relay then polls).
     */
    default Optional<Notifications> listen(Connection connection, String channel) throws SQLException {
        return Optional.empty();
    }

    /** Notifications received on a dedicated connection. */
    interface Notifications extends AutoCloseable {
        /** Waits up to {@code timeout} for a notification; true if one or more arrived. */
        boolean await(Duration timeout) throws SQLException;

        /**
         * Stops listening before the connection goes back to its pool, so that it does not go on collecting
         * notifications for whoever borrows it next. Nothing by default.
         */
        @Override
        default void close() throws SQLException {
        }
    }

    /**
     * A statement with one parameter, the channel name, that the writer runs in the caller's transaction so that
     * listening relays wake up when it commits; empty where the database has no such notification.
     */
    default Optional<String> wakeUpStatement() {
        return Optional.empty();
    }

    /**
     * Whether the driver sends several statements separated by {@code ;} in one prepared statement, in one round
     * trip; the writer then sends its insert and the {@link #wakeUpStatement()} together. False by default.
     */
    default boolean sendsStatementsTogether() {
        return false;
    }
}
