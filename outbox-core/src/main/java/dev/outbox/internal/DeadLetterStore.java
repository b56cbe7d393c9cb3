package dev.outbox.internal;

import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.TableNames;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The SQL of the dead-letter table: moving messages in, listing, replaying (back with id and seq) and purging. */
public final class DeadLetterStore {
    private static final String COLUMNS = "seq, id, origin, destination, routing_key, message_key, partition_no,"
            + " message_type, content_type, payload, headers, correlation_id, causation_id, traceparent, tracestate,"
            + " created_at, attempts, last_error, failed_at, blocks_key";
    /** Error texts are cut to this many characters: enough for a message and the top of a cause chain. */
    public static final int MAX_ERROR = 4000;

    private final Dialect dialect;
    private final MessageStore messages;
    private final String table;

    public DeadLetterStore(MessageStore messages, TableNames tables) {
        this.dialect = messages.dialect();
        this.messages = messages;
        this.table = tables.deadLetter();
    }

    /** Inserts a dead letter; {@code seq} is the message's write position, or null when it had none. */
    public void insert(Connection c, Long seq, OutboundMessage m, String origin, int attempts, String error,
                       Instant failedAt, boolean blocksKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            if (seq == null) {
                ps.setNull(1, Types.BIGINT);
            } else {
                ps.setLong(1, seq);
            }
            dialect.setUuid(ps, 2, m.id());
            ps.setString(3, origin);
            ps.setString(4, m.destination());
            ps.setString(5, m.routingKey());
            ps.setString(6, m.key());
            ps.setInt(7, m.partition());
            ps.setString(8, m.type());
            ps.setString(9, m.contentType());
            ps.setBytes(10, m.payload());
            ps.setString(11, HeadersJson.encode(m.headers()));
            ps.setString(12, m.correlationId());
            ps.setString(13, m.causationId());
            ps.setString(14, m.traceparent());
            ps.setString(15, m.tracestate());
            dialect.setInstant(ps, 16, m.createdAt());
            ps.setInt(17, attempts);
            ps.setString(18, truncate(error));
            dialect.setInstant(ps, 19, failedAt);
            ps.setBoolean(20, blocksKey);
            ps.executeUpdate();
        }
    }

    public List<DeadLetter> list(Connection c, DeadLetterFilter filter, int limit) throws SQLException {
        List<DeadLetter> result = new ArrayList<>();
        for (Row row : select(c, filter, limit, false)) {
            result.add(row.deadLetter());
        }
        return result;
    }

    public long count(Connection c, DeadLetterFilter filter) throws SQLException {
        Where where = where(filter);
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + where.sql)) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Moves matching dead letters back into the outbox with their id and write position, available now and with
     * no attempts, in the caller's transaction. Returns how many were replayed.
     */
    public int replay(Connection c, DeadLetterFilter filter, int limit, Instant now) throws SQLException {
        List<Row> rows = select(c, filter, limit, true);
        for (Row row : rows) {
            OutboundMessage m = row.deadLetter().message();
            OutboundMessage fresh = new OutboundMessage(m.id(), m.destination(), m.routingKey(), m.key(),
                    m.partition(), m.type(), m.contentType(), m.payload(), m.headers(), m.correlationId(),
                    m.causationId(), m.traceparent(), m.tracestate(), m.createdAt(), now, 0);
            messages.insertAt(c, row.seq(), fresh);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE dead_letter_id = ?")) {
                ps.setLong(1, row.deadLetterId());
                ps.executeUpdate();
            }
        }
        return rows.size();
    }

    /** Deletes matching dead letters for good. */
    public int purge(Connection c, DeadLetterFilter filter) throws SQLException {
        Where where = where(filter);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + where.sql)) {
            where.bind(ps, 1);
            return ps.executeUpdate();
        }
    }

    /** Keys whose dead letters block them (policy BLOCK). */
    public Set<String> blockedKeys(Connection c) throws SQLException {
        Set<String> keys = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT message_key FROM " + table
                + " WHERE blocks_key = ? AND message_key IS NOT NULL")) {
            ps.setBoolean(1, true);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
        }
        return keys;
    }

    private List<Row> select(Connection c, DeadLetterFilter filter, int limit, boolean lock) throws SQLException {
        Where where = where(filter);
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT dead_letter_id, " + COLUMNS + " FROM " + table
                + where.sql + " ORDER BY dead_letter_id LIMIT ?" + (lock ? " FOR UPDATE" : ""))) {
            int next = where.bind(ps, 1);
            ps.setInt(next, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong("seq");
                    Long original = rs.wasNull() ? null : seq;
                    Instant failedAt = dialect.getInstant(rs, "failed_at");
                    OutboundMessage m = new OutboundMessage(dialect.getUuid(rs, "id"), rs.getString("destination"),
                            rs.getString("routing_key"), rs.getString("message_key"), rs.getInt("partition_no"),
                            rs.getString("message_type"), rs.getString("content_type"), rs.getBytes("payload"),
                            HeadersJson.decode(rs.getString("headers")), rs.getString("correlation_id"),
                            rs.getString("causation_id"), rs.getString("traceparent"), rs.getString("tracestate"),
                            dialect.getInstant(rs, "created_at"), failedAt, rs.getInt("attempts"));
                    rows.add(new Row(rs.getLong("dead_letter_id"), original, new DeadLetter(m,
                            rs.getString("origin"), rs.getInt("attempts"), rs.getString("last_error"), failedAt,
                            rs.getBoolean("blocks_key"))));
                }
            }
        }
        return rows;
    }

    private Where where(DeadLetterFilter f) {
        List<String> conditions = new ArrayList<>();
        List<Binder> binders = new ArrayList<>();
        if (f.id() != null) {
            conditions.add("id = ?");
            binders.add((ps, i) -> dialect.setUuid(ps, i, f.id()));
        }
        if (f.destination() != null) {
            conditions.add("destination = ?");
            binders.add((ps, i) -> ps.setString(i, f.destination()));
        }
        if (f.type() != null) {
            conditions.add("message_type = ?");
            binders.add((ps, i) -> ps.setString(i, f.type()));
        }
        if (f.key() != null) {
            conditions.add("message_key = ?");
            binders.add((ps, i) -> ps.setString(i, f.key()));
        }
        if (f.failedBefore() != null) {
            conditions.add("failed_at < ?");
            binders.add((ps, i) -> dialect.setInstant(ps, i, f.failedBefore()));
        }
        return new Where(conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions), binders);
    }

    public static String truncate(String error) {
        return error == null || error.length() <= MAX_ERROR ? error : error.substring(0, MAX_ERROR - 1) + "…";
    }

    private record Row(long deadLetterId, Long seq, DeadLetter deadLetter) {
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps, int index) throws SQLException;
    }

    private record Where(String sql, List<Binder> binders) {
        int bind(PreparedStatement ps, int first) throws SQLException {
            int i = first;
            for (Binder b : binders) {
                b.bind(ps, i++);
            }
            return i;
        }
    }
}
