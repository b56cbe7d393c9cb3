package dev.outbox.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What differs between databases: column types for ids and timestamps, the schema script, and the optional
 * wake-up statement. The SQL the library issues is otherwise the same everywhere.
 *
 * <p>The shipped dialects are in {@code dev.outbox.jdbc} (PostgreSQL, MySQL/MariaDB, H2). A new dialect is
 * proved by extending {@code DialectContract} from the core test-jar against the real database.
 */
public interface Dialect {

    /** A short lower-case name, e.g. {@code postgresql}; used in messages and resource paths. */
    String name();

    /**
     * Classpath location of the versioned schema script written for the default table names, e.g.
     * {@code dev/outbox/jdbc/postgresql/V1__outbox.sql}. Statements end with {@code ;} at the end of a line.
     */
    String schemaResource();

    void setUuid(PreparedStatement statement, int index, UUID value) throws SQLException;

    UUID getUuid(ResultSet row, String column) throws SQLException;

    /** Binds an instant; the dialect chooses the type that keeps microsecond precision in UTC. */
    void setInstant(PreparedStatement statement, int index, Instant value) throws SQLException;

    Instant getInstant(ResultSet row, String column) throws SQLException;

    /**
     * The locking clause appended to the relay's claim query: the claim is the row lock, held while the batch is
     * published, and competing relays skip locked rows. A dialect without {@code SKIP LOCKED} may return
     * {@code " FOR UPDATE"}: still correct, but relays then wait for each other.
     */
    default String skipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /**
     * A suffix for {@code DELETE ... WHERE seq IN (...)} of {@code rows} rows; MySQL/MariaDB need {@code LIMIT}
     * to keep such deletes on the primary key instead of a scan that deadlocks between relays.
     */
    default String deleteLimit(int rows) {
        return "";
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
     * A statement run first in each claim transaction so that the database ends it if the relay stops answering for
     * {@code timeout} (a frozen process keeps its claims' locks otherwise); empty where the database has none.
     */
    default Optional<String> claimTimeoutStatement(Duration timeout) {
        return Optional.empty();
    }

    /**
     * Starts listening for the {@link #wakeUpStatement()} notifications of {@code channel} on a dedicated
     * connection; empty where the database has no notifications (the relay then polls).
     */
    default Optional<Notifications> listen(Connection connection, String channel) throws SQLException {
        return Optional.empty();
    }

    /** Notifications received on a dedicated connection. */
    interface Notifications {
        /** Waits up to {@code timeout} for a notification; true if one or more arrived. */
        boolean await(Duration timeout) throws SQLException;
    }

    /**
     * A statement with one parameter, the channel name, that the writer runs in the caller's transaction so that
     * listening relays wake up when it commits; empty where the database has no such notification.
     */
    default Optional<String> wakeUpStatement() {
        return Optional.empty();
    }
}
