package dev.outbox.internal;

import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.DeadLetterGroup;
import dev.outbox.ReplayReport;
import dev.outbox.TableNames;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.Reasons;
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
import java.util.UUID;

/**
 * The SQL of the dead-letter table: moving messages in, listing, replaying (back with id and seq) and purging,
 * every bulk operation in bounded batches.
 */
public final class DeadLetterStore {
    private static final String INSERT_COLUMNS = "seq, origin, attempts, last_error, error_class, failed_at,"
            + " blocks_key, " + MessageStore.COLUMNS.replace(", available_at, attempts", "");
    /** The message columns as the dead-letter table has them: the failure time stands in for availability. */
    private static final String MESSAGE_COLUMNS = MessageStore.COLUMNS.replace("available_at", "failed_at");
    private static final String SELECT_COLUMNS = "dead_letter_id, seq, origin, attempts, last_error, error_class,"
            + " failed_at, blocks_key, " + MESSAGE_COLUMNS;
    /** Error texts are cut to this many characters: enough for a message and the top of a cause chain. */
    public static final int MAX_ERROR = 4000;
    /** Longest error class name kept (the column's size). */
    public static final int MAX_ERROR_CLASS = 255;

    private final Dialect dialect;
    private final MessageStore messages;
    private final String table;
    private final String messageTable;

    public DeadLetterStore(MessageStore messages, TableNames tables) {
        this.dialect = messages.dialect();
        this.messages = messages;
        this.table = tables.deadLetter();
        this.messageTable = tables.message();
    }

    /**
     * A dead letter to store.
     *
     * @param seq the message's write position, or null when it had none (consumer dead letters)
     * @param message the message
     * @param origin {@code relay} or the consumer's name
     * @param attempts attempts made
     * @param error the last error, already free of values
     * @param errorClass the last error's class, or null
     * @param failedAt when it was given up on
     * @param blocksKey whether later messages of its key wait for its replay
     */
    public record Entry(Long seq, OutboundMessage message, String origin, int attempts, String error,
                        String errorClass, Instant failedAt, boolean blocksKey) {
    }

    /** Inserts dead letters as one JDBC batch. */
    public void insert(Connection c, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        int columns = 7 + MessageStore.COLUMN_COUNT - 2;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + INSERT_COLUMNS
                + ") VALUES (" + Sql.placeholders(columns) + ")")) {
            for (Entry e : entries) {
                if (e.seq() == null) {
                    ps.setNull(1, Types.BIGINT);
                } else {
                    ps.setLong(1, e.seq());
                }
                ps.setString(2, e.origin());
                ps.setInt(3, e.attempts());
                ps.setString(4, truncate(Reasons.text(e.error(), MAX_ERROR)));
                Sql.setNullable(ps, 5, Reasons.textOrNull(e.errorClass(), MAX_ERROR_CLASS));
                dialect.setInstant(ps, 6, e.failedAt());
                ps.setBoolean(7, e.blocksKey());
                bindMessage(ps, 8, e.message());
                if (entries.size() == 1) {
                    ps.executeUpdate();
                } else {
                    ps.addBatch();
                }
            }
            if (entries.size() > 1) {
                ps.executeBatch();
            }
        }
    }

    /** The message columns the dead-letter table keeps (no availability, attempts stored apart). */
    private void bindMessage(PreparedStatement ps, int first, OutboundMessage m) throws SQLException {
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
        dialect.setInstant(ps, i, m.createdAt());
    }

    /** Dead letters matching {@code filter} with an id above {@code after}, in id order, at most {@code limit}. */
    public List<DeadLetter> list(Connection c, DeadLetterFilter filter, long after, int limit) throws SQLException {
        List<DeadLetter> result = new ArrayList<>();
        for (Row row : select(c, filter, after, Long.MAX_VALUE, limit, false)) {
            result.add(row.deadLetter());
        }
        return result;
    }

    public long count(Connection c, DeadLetterFilter filter) throws SQLException {
        Where where = where(filter, Long.MIN_VALUE, Long.MAX_VALUE);
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + where.sql)) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Dead letters matching {@code filter} counted by origin and error class, largest groups first. */
    public List<DeadLetterGroup> groups(Connection c, DeadLetterFilter filter) throws SQLException {
        Where where = where(filter, Long.MIN_VALUE, Long.MAX_VALUE);
        List<DeadLetterGroup> groups = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT origin, error_class, COUNT(*), MIN(failed_at), "
                + "MAX(failed_at) FROM " + table + where.sql + " GROUP BY origin, error_class ORDER BY COUNT(*) DESC, "
                + "origin, error_class")) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    groups.add(new DeadLetterGroup(rs.getString(1), rs.getString(2), rs.getLong(3),
                            dialect.getInstant(rs, 4), dialect.getInstant(rs, 5)));
                }
            }
        }
        return groups;
    }

    /** One batch of a replay: the last dead-letter id looked at, and what happened. */
    public record ReplayBatch(long last, int seen, long replayed, List<ReplayReport.Skipped> skipped) {
    }

    /**
     * Moves up to {@code limit} dead letters matching {@code filter} (ids above {@code after}, up to {@code upTo}:
     * a message dead-lettered again while a replay runs is not chased) back into the outbox
     * with their id and write position, available now and with no attempts, in the caller's transaction. Dead
     * letters whose message id is already pending, and consumers' dead letters unless the filter names their origin,
     * are skipped with a reason and stay.
     */
    public ReplayBatch replay(Connection c, DeadLetterFilter filter, long after, long upTo, int limit, Instant now)
            throws SQLException {
        List<Row> rows = select(c, filter, after, upTo, limit, true);
        if (rows.isEmpty()) {
            return new ReplayBatch(after, 0, 0, List.of());
        }
        Set<UUID> pending = pendingIds(c, rows);
        Set<UUID> taken = new HashSet<>();
        List<ReplayReport.Skipped> skipped = new ArrayList<>();
        List<Row> replay = new ArrayList<>();
        for (Row row : rows) {
            DeadLetter d = row.deadLetter();
            UUID id = d.message().id();
            if (filter.origin() == null && filter.id() == null && !DeadLetter.RELAY_ORIGIN.equals(d.origin())) {
                skipped.add(new ReplayReport.Skipped(d.deadLetterId(), id, "dead-lettered by consumer '"
                        + Reasons.forLog(d.origin()) + "', not by the relay: replaying it publishes it again to "
                        + Reasons.forLog(d.message().destination()) + " for every consumer; select it with "
                        + "DeadLetterFilter.withOrigin(\"" + Reasons.forLog(d.origin()) + "\") to do so"));
            } else if (pending.contains(id) || !taken.add(id)) {
                skipped.add(new ReplayReport.Skipped(d.deadLetterId(), id, "message " + id + " is already pending "
                        + "in " + messageTable + " (replayed before, or written again): purge this dead letter"));
            } else {
                replay.add(row);
            }
        }
        for (Row row : replay) {
            OutboundMessage m = row.deadLetter().message();
            messages.insertAt(c, row.seq(), m.withAvailability(now, 0));
        }
        deleteByIds(c, replay.stream().map(r -> r.deadLetter().deadLetterId()).toList());
        return new ReplayBatch(rows.get(rows.size() - 1).deadLetter().deadLetterId(), rows.size(), replay.size(),
                skipped);
    }

    private Set<UUID> pendingIds(Connection c, List<Row> rows) throws SQLException {
        Set<UUID> pending = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + messageTable + " WHERE id IN ("
                + Sql.placeholders(rows.size()) + ")")) {
            int i = 1;
            for (Row row : rows) {
                dialect.setUuid(ps, i++, row.deadLetter().message().id());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pending.add(dialect.getUuid(rs, 1));
                }
            }
        }
        return pending;
    }

    private void deleteByIds(Connection c, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE dead_letter_id IN ("
                + Sql.placeholders(ids.size()) + ")" + dialect.deleteLimit(ids.size()))) {
            Sql.bindLongs(ps, 1, ids);
            ps.executeUpdate();
        }
    }

    /** The newest dead letter's id, 0 when there is none: where a bulk operation stops. */
    public long lastId(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT MAX(dead_letter_id) FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes at most {@code limit} dead letters matching {@code filter} with ids up to {@code upTo}. */
    public int purge(Connection c, DeadLetterFilter filter, long upTo, int limit) throws SQLException {
        Where where = where(filter, Long.MIN_VALUE, upTo);
        String condition = where.sql.isEmpty() ? "1 = 1" : where.sql.substring(" WHERE ".length());
        try (PreparedStatement ps = c.prepareStatement(dialect.deleteAtMost(table, condition, limit))) {
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

    private List<Row> select(Connection c, DeadLetterFilter filter, long after, long upTo, int limit, boolean lock)
            throws SQLException {
        Where where = where(filter, after, upTo);
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SELECT_COLUMNS + " FROM " + table + where.sql
                + " ORDER BY dead_letter_id" + dialect.limit() + (lock ? " FOR UPDATE" : ""))) {
            int next = where.bind(ps, 1);
            ps.setInt(next, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(2);
                    Long original = rs.wasNull() ? null : seq;
                    rows.add(new Row(original, new DeadLetter(rs.getLong(1), readMessage(rs), rs.getString(3),
                            rs.getInt(4), rs.getString(5), rs.getString(6), dialect.getInstant(rs, 7),
                            rs.getBoolean(8))));
                }
            }
        }
        return rows;
    }

    /** The stored message; headers that do not decode are shown empty rather than failing the whole listing. */
    private OutboundMessage readMessage(ResultSet rs) throws SQLException {
        try {
            return messages.read(rs, 9);
        } catch (IllegalArgumentException unreadableHeaders) {
            return messages.read(rs, 9, rs.getBytes(9 + MessageStore.PAYLOAD), null);
        }
    }

    private Where where(DeadLetterFilter f, long after, long upTo) {
        List<String> conditions = new ArrayList<>();
        List<Binder> binders = new ArrayList<>();
        if (after != Long.MIN_VALUE) {
            conditions.add("dead_letter_id > ?");
            binders.add((ps, i) -> ps.setLong(i, after));
        }
        if (upTo != Long.MAX_VALUE) {
            conditions.add("dead_letter_id <= ?");
            binders.add((ps, i) -> ps.setLong(i, upTo));
        }
        if (f.id() != null) {
            conditions.add("id = ?");
            binders.add((ps, i) -> dialect.setUuid(ps, i, f.id()));
        }
        text(conditions, binders, "origin", f.origin());
        text(conditions, binders, "destination", f.destination());
        text(conditions, binders, "message_type", f.type());
        text(conditions, binders, "message_key", f.key());
        text(conditions, binders, "error_class", f.errorClass());
        if (f.failedAfter() != null) {
            conditions.add("failed_at >= ?");
            binders.add((ps, i) -> dialect.setInstant(ps, i, f.failedAfter()));
        }
        if (f.failedBefore() != null) {
            conditions.add("failed_at < ?");
            binders.add((ps, i) -> dialect.setInstant(ps, i, f.failedBefore()));
        }
        return new Where(conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions), binders);
    }

    private static void text(List<String> conditions, List<Binder> binders, String column, String value) {
        if (value != null) {
            conditions.add(column + " = ?");
            binders.add((ps, i) -> ps.setString(i, value));
        }
    }

    public static String truncate(String error) {
        return error == null || error.length() <= MAX_ERROR ? error : error.substring(0, MAX_ERROR - 1) + "…";
    }

    private record Row(Long seq, DeadLetter deadLetter) {
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
