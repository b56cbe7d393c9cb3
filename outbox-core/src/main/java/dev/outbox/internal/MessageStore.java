package dev.outbox.internal;

import dev.outbox.TableNames;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL for rows of the message table. Dialect-neutral: the dialect binds ids and timestamps. */
public final class MessageStore {
    static final String COLUMNS = "id, destination, routing_key, message_key, partition_no, message_type,"
            + " content_type, payload, headers, correlation_id, causation_id, traceparent, tracestate, created_at,"
            + " available_at, attempts";

    private final Dialect dialect;
    private final String insert;
    private final String insertAt;
    private final String selectById;
    private final String wakeUp;
    private final String channel;

    public MessageStore(Dialect dialect, TableNames tables) {
        this.dialect = dialect;
        this.insert = "INSERT INTO " + tables.message() + " (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        this.insertAt = "INSERT INTO " + tables.message() + " (" + COLUMNS
                + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        this.selectById = "SELECT " + COLUMNS + " FROM " + tables.message() + " WHERE id = ?";
        this.wakeUp = dialect.wakeUpStatement().orElse(null);
        this.channel = tables.message();
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Inserts the rows as one JDBC batch (one statement for a single row). */
    public void insert(Connection connection, List<OutboundMessage> messages) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(insert)) {
            if (messages.size() == 1) {
                bind(ps, messages.get(0));
                ps.executeUpdate();
            } else {
                for (OutboundMessage m : messages) {
                    bind(ps, m);
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
            bind(ps, message);
            ps.setLong(17, seq);
            ps.executeUpdate();
        }
    }

    /** Runs the dialect's wake-up notification in the caller's transaction, where the dialect has one. */
    public void notifyRelays(Connection connection) throws SQLException {
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
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private void bind(PreparedStatement ps, OutboundMessage m) throws SQLException {
        dialect.setUuid(ps, 1, m.id());
        ps.setString(2, m.destination());
        setNullable(ps, 3, m.routingKey());
        setNullable(ps, 4, m.key());
        ps.setInt(5, m.partition());
        setNullable(ps, 6, m.type());
        setNullable(ps, 7, m.contentType());
        ps.setBytes(8, m.payload());
        setNullable(ps, 9, HeadersJson.encode(m.headers()));
        setNullable(ps, 10, m.correlationId());
        setNullable(ps, 11, m.causationId());
        setNullable(ps, 12, m.traceparent());
        setNullable(ps, 13, m.tracestate());
        dialect.setInstant(ps, 14, m.createdAt());
        dialect.setInstant(ps, 15, m.availableAt());
        ps.setInt(16, m.attempts());
    }

    private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    /** Maps a row selected with this store's column list. */
    public OutboundMessage read(ResultSet rs) throws SQLException {
        return new OutboundMessage(
                dialect.getUuid(rs, "id"),
                rs.getString("destination"),
                rs.getString("routing_key"),
                rs.getString("message_key"),
                rs.getInt("partition_no"),
                rs.getString("message_type"),
                rs.getString("content_type"),
                rs.getBytes("payload"),
                HeadersJson.decode(rs.getString("headers")),
                rs.getString("correlation_id"),
                rs.getString("causation_id"),
                rs.getString("traceparent"),
                rs.getString("tracestate"),
                dialect.getInstant(rs, "created_at"),
                dialect.getInstant(rs, "available_at"),
                rs.getInt("attempts"));
    }
}
