package dev.outbox.jdbc;

import java.util.List;

import dev.outbox.spi.Dialect;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * MySQL 8.0+ and MariaDB 10.6+ (InnoDB): ids as {@code BINARY(16)} (big-endian, so time-ordered UUIDv7 ids append
 * to the index), times as {@code DATETIME(6)} holding UTC, which has no 2038 limit and ignores the session zone.
 *
 * <p>Stateless and thread-safe: one instance serves every connection.
 */
public final class MySqlDialect implements Dialect {
    /** Oldest supported MySQL major version (SKIP LOCKED). */
    public static final int MIN_MYSQL_MAJOR_VERSION = 8;
    /** Oldest supported MariaDB version, as major * 100 + minor (SKIP LOCKED). */
    public static final int MIN_MARIADB_VERSION = 1006;

    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public String schemaResource() {
        return "dev/outbox/jdbc/mysql/V1__outbox.sql";
    }

    @Override
    public List<String> schemaResources() {
        return Dialects.scripts("mysql", 2);
    }

    @Override
    public void setUuid(PreparedStatement statement, int index, UUID value) throws SQLException {
        statement.setBytes(index, ByteBuffer.allocate(16)
                .putLong(value.getMostSignificantBits())
                .putLong(value.getLeastSignificantBits())
                .array());
    }

    @Override
    public @Nullable UUID getUuid(ResultSet row, int column) throws SQLException {
        byte[] bytes = row.getBytes(column);
        if (bytes == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong());
    }

    @Override
    public void setInstant(PreparedStatement statement, int index, Instant value) throws SQLException {
        statement.setObject(index, LocalDateTime.ofInstant(value, ZoneOffset.UTC));
    }

    @Override
    public @Nullable Instant getInstant(ResultSet row, int column) throws SQLException {
        LocalDateTime value = row.getObject(column, LocalDateTime.class);
        return value == null ? null : value.toInstant(ZoneOffset.UTC);
    }

    /** The columns hold UTC wall times: the difference to the epoch's wall time is the epoch offset. */
    @Override
    public String epochMicros(String column) {
        return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', " + column + ")";
    }

    /** INSERT IGNORE: safe here because the library validates lengths before, so nothing else is ignored. */
    @Override
    public String insertIfAbsent(String table, String columns, int count) {
        return Dialect.super.insertIfAbsent(table, columns, count).replaceFirst("INSERT INTO", "INSERT IGNORE INTO");
    }

    @Override
    public String deleteLimit(int rows) {
        return " LIMIT " + rows;
    }

    @Override
    public String toString() {
        return name();
    }
}
