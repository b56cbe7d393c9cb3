package dev.outbox.internal;

import dev.outbox.TableNames;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL for rows of the message table, and the one mapping between its columns and {@link OutboundMessage}.
 * Dialect-neutral: the dialect binds ids and timestamps.
 */
public final class MessageStore {
    /** The message columns in the order {@link #read(ResultSet, int)} reads them. */
    public static final String COLUMNS = "id, destination, routing_key, message_key, partition_no, message_type,"
            + " content_type, payload, headers, correlation_id, causation_id, traceparent, tracestate, created_at,"
            + " available_at, attempts";
    /** How many columns {@link #COLUMNS} names. */
    public static final int COLUMN_COUNT = 16;
    /** Positions within {@link #COLUMNS}, counted from 0. */
    public static final int PAYLOAD = 7;
    public static final int HEADERS = 8;

    private final Dialect dialect;
    /** The columns as a claim selects them: timestamps as epoch microseconds where the dialect can. */
    private final String claimColumns;
    private final boolean claimMicros;
    private final String insert;
    /** The insert of one row and the wake-up in one round trip, where the dialect allows; else null. */
    private final String insertAndWakeUp;
    private final String insertAt;
    private final String selectById;
    private final String wakeUp;
    private final String channel;

    public MessageStore(Dialect dialect, TableNames tables) {
        this.dialect = dialect;
        String created = dialect.epochMicros("created_at");
        String available = dialect.epochMicros("available_at");
        this.claimMicros = created != null && available != null;
        this.claimColumns = claimMicros ? COLUMNS.replace("created_at,", created + ",")
                .replace("available_at,", available + ",") : COLUMNS;
        this.insert = "INSERT INTO " + tables.message() + " (" + COLUMNS + ") VALUES ("
                + Sql.placeholders(COLUMN_COUNT) + ")";
        this.insertAt = "INSERT INTO " + tables.message() + " (" + COLUMNS + ", seq) VALUES ("
                + Sql.placeholders(COLUMN_COUNT + 1) + ")";
        this.selectById = "SELECT " + COLUMNS + " FROM " + tables.message() + " WHERE id = ?";
        this.wakeUp = dialect.wakeUpStatement().orElse(null);
        this.channel = tables.message();
        this.insertAndWakeUp = wakeUp != null && dialect.sendsStatementsTogether() ? insert + "; " + wakeUp : null;
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * Inserts the rows and, when {@code wakeUp}, runs the dialect's wake-up notification in the same transaction; a
     * single row and its wake-up go in one round trip where the dialect allows.
     */
    public void insert(Connection connection, List<OutboundMessage> messages, boolean wakeUp) throws SQLException {
        if (wakeUp && insertAndWakeUp != null && messages.size() == 1) {
            try (PreparedStatement ps = connection.prepareStatement(insertAndWakeUp)) {
                ps.setString(bind(ps, 1, messages.get(0)), channel);
                ps.execute();
            }
            return;
        }
        insert(connection, messages);
        if (wakeUp) {
            notifyRelays(connection);
        }
    }

    /** Inserts the rows as one JDBC batch (one statement for a single row). */
    public void insert(Connection connection, List<OutboundMessage> messages) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(insert)) {
            if (messages.size() == 1) {
                bind(ps, 1, messages.get(0));
                ps.executeUpdate();
            } else {
                for (OutboundMessage m : messages) {
                    bind(ps, 1, m);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    /** Inserts one row at a given write position ({@code seq}), or at the end when {@code seq} is null. */
    public void insertAt(Connection connection, Long seq, OutboundMessage message) throws SQLException {
        if (seq == null) {
            insert(connection, List.of(message));
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(insertAt)) {
            bind(ps, 1, message);
            ps.setLong(COLUMN_COUNT + 1, seq);
            ps.executeUpdate();
        }
    }

    /** Runs the dialect's wake-up notification in the caller's transaction, where the dialect has one. */
    private void notifyRelays(Connection connection) throws SQLException {
        if (wakeUp != null) {
            try (PreparedStatement ps = connection.prepareStatement(wakeUp)) {
                ps.setString(1, channel);
                ps.execute();
            }
        }
    }

    public Optional<OutboundMessage> find(Connection connection, UUID id) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(selectById)) {
            dialect.setUuid(ps, 1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs, 1)) : Optional.empty();
            }
        }
    }

    /** Binds {@code m} to the {@link #COLUMNS} parameters starting at {@code first}; returns the next index. */
    public int bind(PreparedStatement ps, int first, OutboundMessage m) throws SQLException {
        int i = first;
        dialect.setUuid(ps, i++, m.id());
        ps.setString(i++, m.destination());
        Sql.setNullable(ps, i++, m.routingKey());
        Sql.setNullable(ps, i++, m.key());
        ps.setInt(i++, m.partition());
        Sql.setNullable(ps, i++, m.type());
        Sql.setNullable(ps, i++, m.contentType());
        ps.setBytes(i++, m.payload());
        Sql.setNullable(ps, i++, HeadersJson.encode(m.headers()));
        Sql.setNullable(ps, i++, m.correlationId());
        Sql.setNullable(ps, i++, m.causationId());
        Sql.setNullable(ps, i++, m.traceparent());
        Sql.setNullable(ps, i++, m.tracestate());
        dialect.setInstant(ps, i++, m.createdAt());
        dialect.setInstant(ps, i++, m.availableAt());
        ps.setInt(i++, m.attempts());
        return i;
    }

    /**
     * The message columns as a relay's claim selects them, payloads and headers above {@code inline} bytes left out
     * (null), timestamps as epoch microseconds where the dialect has an expression for them; read them back with
     * {@link #readClaimed}.
     */
    public String claimColumns(long inline) {
        return claimColumns
                .replace("payload,", "CASE WHEN OCTET_LENGTH(payload) <= " + inline + " THEN payload END,")
                .replace("headers,", "CASE WHEN OCTET_LENGTH(headers) <= " + inline + " THEN headers END,");
    }

    /** Maps the {@link #COLUMNS} of the current row, starting at column {@code first}. */
    public OutboundMessage read(ResultSet rs, int first) throws SQLException {
        return read(rs, first, rs.getBytes(first + PAYLOAD), rs.getString(first + HEADERS), false);
    }

    /** Maps the current row with the payload and headers given (e.g. fetched apart from a large row). */
    public OutboundMessage read(ResultSet rs, int first, byte[] payload, String headers) throws SQLException {
        return read(rs, first, payload, headers, false);
    }

    /** Maps a row selected with {@link #claimColumns}, with the payload and headers given. */
    public OutboundMessage readClaimed(ResultSet rs, int first, byte[] payload, String headers) throws SQLException {
        return read(rs, first, payload, headers, claimMicros);
    }

    private OutboundMessage read(ResultSet rs, int first, byte[] payload, String headers, boolean micros)
            throws SQLException {
        int i = first;
        Instant createdAt;
        Instant availableAt;
        if (micros) {
            long created = rs.getLong(i + 13);
            long available = rs.getLong(i + 14);
            createdAt = instant(created);
            // Most messages are available when written: they share the instant.
            availableAt = available == created ? createdAt : instant(available);
        } else {
            createdAt = dialect.getInstant(rs, i + 13);
            availableAt = dialect.getInstant(rs, i + 14);
        }
        return new OutboundMessage(
                dialect.getUuid(rs, i),
                rs.getString(i + 1),
                rs.getString(i + 2),
                rs.getString(i + 3),
                rs.getInt(i + 4),
                rs.getString(i + 5),
                rs.getString(i + 6),
                payload,
                HeadersJson.decode(headers),
                rs.getString(i + 9),
                rs.getString(i + 10),
                rs.getString(i + 11),
                rs.getString(i + 12),
                createdAt,
                availableAt,
                rs.getInt(i + 15));
    }

    private static Instant instant(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
    }
}
