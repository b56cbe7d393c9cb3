package dev.outbox.internal.relay;

import dev.outbox.TableNames;
import dev.outbox.internal.MessageStore;
import dev.outbox.internal.Sql;
import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The relay's SQL on the message table. A claim is a row lock ({@code FOR UPDATE SKIP LOCKED}) held by the relay's
 * transaction while the batch is published; its outcome is recorded in the same transaction. If the relay dies,
 * its session ends, the locks go, and the rows are claimable again at once, unchanged.
 *
 * <p>Claims are bounded by bytes as well as rows. Payloads and headers above a per-row share of the budget are not
 * read by the claim query itself (it returns their sizes instead); the rows that fit are then read in a second
 * query. So no claim reads much more than its budget, however large the messages waiting, and a single message
 * above the budget is still claimed, alone.
 */
public final class RelayStore {
    /** Where published rows kept for a retention window are parked, so that no claim sees them. */
    public static final Instant PARKED = Instant.parse("9999-12-31T00:00:00Z");
    /** Bytes counted per row beyond payload and headers: the other columns, at their limits, stay below this. */
    static final int ROW_OVERHEAD = 2048;
    /** Largest page, in batches, when an ordered relay looks for the head message of each key. */
    private static final int SCAN_PAGE_FACTOR = 4;
    /** Smallest payload or headers value read inline by a claim, whatever the budget. */
    private static final int MIN_INLINE = 4096;

    private final Dialect dialect;
    private final MessageStore messages;
    private final String table;

    public RelayStore(MessageStore messages, TableNames tables) {
        this.dialect = messages.dialect();
        this.messages = messages;
        this.table = tables.message();
    }

    /**
     * What one claim may take: rows and bytes. {@code maxRows} is the relay's batch size, the most rows any of its
     * claims asks for: the inline bound follows from it, not from {@code rows}, so that the claim's SQL text stays
     * the same while claims change size (the driver switches a statement to a prepared, binary form only after it
     * has seen the same text a few times).
     */
    public record Limits(int rows, long bytes, int maxRows) {
        /** Payloads and headers up to this size are read by the claim query itself. */
        long inline() {
            return Math.max(MIN_INLINE, bytes / (2L * maxRows));
        }
    }

    /**
     * Claims available messages, oldest availability first from {@code from} on, skipping rows others hold, up to
     * {@code limits}. Rows beyond the byte budget may stay locked until the claim ends; they are claimed by a later
     * batch. {@code preamble} (see {@link Dialect#beginClaim}) is sent with the query.
     */
    public List<Claimed> claim(Connection c, String preamble, Limits limits, Instant from, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(preamble + "SELECT " + claimColumns(limits) + " FROM " + table
                + " WHERE available_at >= ? AND available_at <= ? ORDER BY available_at" + dialect.limit()
                + dialect.skipLocked())) {
            dialect.setInstant(ps, 1, from);
            dialect.setInstant(ps, 2, now);
            ps.setInt(3, limits.rows());
            return readClaims(c, ps, limits);
        }
    }

    /** Runs {@code ps} and returns its result set, past the results of any statements before its query. */
    private static ResultSet query(PreparedStatement ps) throws SQLException {
        boolean rows = ps.execute();
        while (!rows) {
            if (ps.getUpdateCount() == -1) {
                throw new SQLException("the claim statement returned no result set");
            }
            rows = ps.getMoreResults();
        }
        return ps.getResultSet();
    }

    /** Keys that must wait, read after the scan (see {@link #claimHeads}). */
    @FunctionalInterface
    public interface BlockedKeys {
        Set<String> read(Connection c) throws SQLException;
    }

    /**
     * Claims, in the given partitions, only the first pending message of each key (its head), and only when that
     * head is available: a key whose head is in flight, backing off or blocked waits. Keyless messages are claimed
     * whenever available. Blocked keys are read after the scan: a dead letter is inserted in the transaction that
     * deletes its row, so a scan that no longer sees the row is followed by a read that sees the dead letter.
     */
    public List<Claimed> claimHeads(Connection c, String preamble, Collection<Integer> partitions,
                                    BlockedKeys blockedKeys, Limits limits, int maxScan, boolean retained, Instant now)
            throws SQLException {
        if (partitions.isEmpty()) {
            return List.of();
        }
        int limit = limits.rows();
        Set<String> seen = new HashSet<>();
        Map<Long, String> chosen = new LinkedHashMap<>();
        // The first page is a little more than a batch (enough when keys are many); pages double while heads are few.
        int page = limit + limit / 4;
        long after = Long.MIN_VALUE;
        int scanned = 0;
        String scan = "SELECT seq, message_key, CASE WHEN available_at <= ? THEN 1 ELSE 0 END FROM " + table
                + " WHERE partition_no IN (" + Sql.placeholders(partitions.size()) + ") AND seq > ?"
                + (retained ? " AND published_at IS NULL" : "") + " ORDER BY seq" + dialect.limit();
        // The first page carries the preamble; the later ones, if any, are the same query without it.
        PreparedStatement scanning = c.prepareStatement(preamble + scan);
        try {
            while (chosen.size() < limit && scanned < maxScan) {
                dialect.setInstant(scanning, 1, now);
                int i = Sql.bindInts(scanning, 2, partitions);
                scanning.setLong(i++, after);
                scanning.setInt(i, page);
                int rows = 0;
                try (ResultSet rs = query(scanning)) {
                    while (rs.next() && chosen.size() < limit) {
                        rows++;
                        after = rs.getLong(1);
                        String key = rs.getString(2);
                        boolean head = key == null || seen.add(key);
                        if (head && rs.getInt(3) == 1) {
                            chosen.put(after, key);
                        }
                    }
                }
                scanned += rows;
                if (rows < page) {
                    break;
                }
                page = Math.min(page * 2, limit * SCAN_PAGE_FACTOR);
                if (!preamble.isEmpty() && scanned == rows) {
                    scanning.close();
                    scanning = c.prepareStatement(scan);
                }
            }
        } finally {
            scanning.close();
        }
        if (!chosen.isEmpty()) {
            Set<String> blocked = blockedKeys.read(c);
            if (!blocked.isEmpty()) {
                chosen.values().removeIf(key -> key != null && blocked.contains(key));
            }
        }
        if (chosen.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + claimColumns(limits) + " FROM " + table
                + " WHERE " + dialect.inLongs("seq", chosen.size()) + " AND available_at <= ? ORDER BY seq"
                + dialect.skipLocked())) {
            int i = dialect.bindLongs(ps, 1, chosen.keySet().stream().mapToLong(Long::longValue).toArray());
            dialect.setInstant(ps, i, now);
            return readClaims(c, ps, limits);
        }
    }

    /** {@code seq}, the message columns with large payloads and headers left out, and their sizes. */
    private String claimColumns(Limits limits) {
        return "seq, " + messages.claimColumns(limits.inline()) + ", OCTET_LENGTH(payload), OCTET_LENGTH(headers)";
    }

    private List<Claimed> readClaims(Connection c, PreparedStatement ps, Limits limits) throws SQLException {
        List<Claimed> claimed = new ArrayList<>(limits.rows());
        Map<Long, Integer> withheld = new HashMap<>();
        long budget = limits.bytes();
        long inline = limits.inline();
        int sizes = 2 + MessageStore.COLUMN_COUNT;
        try (ResultSet rs = query(ps)) {
            long total = 0;
            while (rs.next()) {
                long payloadSize = rs.getLong(sizes);
                long headersSize = rs.getLong(sizes + 1);
                long bytes = payloadSize + headersSize + ROW_OVERHEAD;
                if (!claimed.isEmpty() && total + bytes > budget) {
                    break;
                }
                total += bytes;
                long seq = rs.getLong(1);
                if (payloadSize > inline || headersSize > inline) {
                    withheld.put(seq, claimed.size());
                    claimed.add(null);
                } else {
                    claimed.add(read(rs, seq, bytes, rs.getBytes(2 + MessageStore.PAYLOAD),
                            rs.getString(2 + MessageStore.HEADERS)));
                }
            }
        }
        if (!withheld.isEmpty()) {
            try (PreparedStatement ps2 = c.prepareStatement("SELECT seq, " + messages.claimColumns(Long.MAX_VALUE)
                    + " FROM " + table
                    + " WHERE seq IN (" + Sql.placeholders(withheld.size()) + ")")) {
                Sql.bindLongs(ps2, 1, withheld.keySet());
                try (ResultSet rs = ps2.executeQuery()) {
                    while (rs.next()) {
                        long seq = rs.getLong(1);
                        byte[] payload = rs.getBytes(2 + MessageStore.PAYLOAD);
                        String headers = rs.getString(2 + MessageStore.HEADERS);
                        claimed.set(withheld.get(seq), read(rs, seq, payload.length
                                + (headers == null ? 0 : headers.length()) + ROW_OVERHEAD, payload, headers));
                    }
                }
            }
            claimed.removeIf(java.util.Objects::isNull);
        }
        return claimed;
    }

    /** A claimed row; headers that do not decode make it unreadable (dead-lettered) instead of failing the claim. */
    private Claimed read(ResultSet rs, long seq, long bytes, byte[] payload, String headers) throws SQLException {
        try {
            return new Claimed(seq, messages.readClaimed(rs, 2, payload, headers), bytes, null);
        } catch (IllegalArgumentException e) {
            return new Claimed(seq, messages.readClaimed(rs, 2, payload, null), bytes, e.getMessage());
        }
    }

    /** Deletes published rows in one statement. */
    public int delete(Connection c, long[] seqs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE "
                + dialect.inLongs("seq", seqs.length) + dialect.deleteLimit(seqs.length))) {
            dialect.bindLongs(ps, 1, seqs);
            return ps.executeUpdate();
        }
    }

    /** Keeps published rows for the retention window, parked where no claim finds them. */
    public int markPublished(Connection c, long[] seqs, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET published_at = ?, available_at = ? WHERE " + dialect.inLongs("seq", seqs.length))) {
            dialect.setInstant(ps, 1, now);
            dialect.setInstant(ps, 2, PARKED);
            dialect.bindLongs(ps, 3, seqs);
            return ps.executeUpdate();
        }
    }

    /** Deletes published rows older than {@code before}, at most {@code limit}. */
    public int purgePublished(Connection c, Instant before, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.deleteAtMost(table,
                "published_at IS NOT NULL AND published_at < ?", limit))) {
            dialect.setInstant(ps, 1, before);
            return ps.executeUpdate();
        }
    }

    /** A failed attempt to record: the row becomes available again at {@code nextAttemptAt}. */
    public record Reschedule(long seq, int attempts, String error, Instant nextAttemptAt) {
    }

    /** Records failed attempts, as one JDBC batch. */
    public void reschedule(Connection c, List<Reschedule> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET attempts = ?, last_error = ?, available_at = ? WHERE seq = ?")) {
            for (Reschedule r : rows) {
                ps.setInt(1, r.attempts());
                ps.setString(2, r.error());
                dialect.setInstant(ps, 3, r.nextAttemptAt());
                ps.setLong(4, r.seq());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Counts one failed attempt for rows whose outcome could not be recorded (the claim was rolled back), so that
     * a batch whose completion keeps failing backs off and is eventually dead-lettered instead of spinning.
     */
    public int countFailedAttempt(Connection c, List<Long> seqs, String error, Instant nextAttemptAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET attempts = attempts + 1, last_error = ?, available_at = ? WHERE seq IN ("
                + Sql.placeholders(seqs.size()) + ") AND published_at IS NULL")) {
            ps.setString(1, error);
            dialect.setInstant(ps, 2, nextAttemptAt);
            Sql.bindLongs(ps, 3, seqs);
            return ps.executeUpdate();
        }
    }
}
