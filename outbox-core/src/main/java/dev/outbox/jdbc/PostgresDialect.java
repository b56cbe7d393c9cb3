package dev.outbox.jdbc;

import java.util.List;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL 12 and newer: {@code uuid} ids, {@code timestamptz} times, {@code FOR UPDATE SKIP LOCKED} claims, and
 * {@code pg_notify} in the writer's transaction so that listening relays wake up at commit.
 *
 * <p>Stateless and thread-safe: one instance serves every connection.
 */
public final class PostgresDialect extends ObjectTypesDialect {
    /** Oldest supported major version (SKIP LOCKED, identity columns, EXECUTE FUNCTION). */
    public static final int MIN_MAJOR_VERSION = 12;
    /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since 1970. */
    private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public String schemaResource() {
        return "dev/outbox/jdbc/postgresql/V1__outbox.sql";
    }

    @Override
    public List<String> schemaResources() {
        return Dialects.scripts("postgresql", 2);
    }

    @Override
    public Optional<String> wakeUpStatement() {
        return Optional.of("SELECT pg_notify(?, NULL)");
    }

    /** pgjdbc sends the statements of one prepared statement with a single sync: one round trip. */
    @Override
    public boolean sendsStatementsTogether() {
        return true;
    }

    /**
     * Reads {@code timestamptz} values the driver received in binary (8 bytes: microseconds since 2000-01-01 UTC,
     * as prepared statements receive them) without the date-time objects the driver would build; text values go
     * through the driver.
     */
    @Override
    public @Nullable Instant getInstant(ResultSet row, int column) throws SQLException {
        byte[] raw = row.getBytes(column);
        if (raw == null) {
            return null;
        }
        if (raw.length != Long.BYTES) {
            return super.getInstant(row, column);
        }
        long micros = 0;
        for (byte b : raw) {
            micros = micros << 8 | (b & 0xFF);
        }
        micros += POSTGRES_EPOCH_MICROS;
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    @Override
    public String inLongs(String column, int count) {
        return column + " = ANY (?)";
    }

    /** One {@code int8[]} parameter; the driver encodes a {@code long[]} without boxing. */
    @Override
    public int bindLongs(PreparedStatement statement, int first, long[] values) throws SQLException {
        statement.setObject(first, values);
        return first + 1;
    }

    /** ON CONFLICT DO NOTHING: a failed statement would abort a PostgreSQL transaction. */
    @Override
    public String insertIfAbsent(String table, String columns, int count) {
        return super.insertIfAbsent(table, columns, count) + " ON CONFLICT DO NOTHING";
    }

    /** PostgreSQL has no DELETE ... LIMIT; a bounded sub-select of row ids does the same. */
    @Override
    public String deleteAtMost(String table, String where, int rows) {
        return "DELETE FROM " + table + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + table + " WHERE " + where
                + " LIMIT " + rows + "))";
    }

    /**
     * Isolation and the idle limit, both local to the transaction (nothing leaks into the pooled session), sent with
     * the claim's first query: the driver sends the implicit BEGIN, both settings and the query in one round trip.
     */
    @Override
    public String beginClaim(Connection connection, Duration idleTimeout) throws SQLException {
        connection.setAutoCommit(false);
        return "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET LOCAL idle_in_transaction_session_timeout = "
                + Math.max(1, idleTimeout.toMillis()) + "; ";
    }

    @Override
    public Optional<Notifications> listen(Connection connection, String channel) throws SQLException {
        return Optional.of(PgNotifications.listen(connection, channel));
    }
}
