package dev.outbox.internal;

import dev.outbox.TableNames;
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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The relay's SQL on the message table. A claim is a row lock ({@code FOR UPDATE SKIP LOCKED}) held by the relay's
 * transaction while the batch is published; its outcome is recorded in the same transaction. If the relay dies,
 * its session ends, the locks go, and the rows are claimable again at once, unchanged.
 */
public final class RelayStore {
    /** Where published rows kept for a retention window are parked, so that no claim sees them. */
    public static final Instant PARKED = Instant.parse("9999-12-31T00:00:00Z");
    /** Rows read per page when an ordered relay looks for the head message of each key. */
    private static final int SCAN_PAGE_FACTOR = 4;

    private final Dialect dialect;
    private final MessageStore messages;
    private final String table;

    public RelayStore(MessageStore messages, TableNames tables) {
        this.dialect = messages.dialect();
        this.messages = messages;
        this.table = tables.message();
    }

    /** Claims up to {@code limit} available messages, oldest availability first, skipping rows others hold. */
    public List<Claimed> claim(Connection c, int limit, Instant now) throws SQLException {
        List<Claimed> claimed = new ArrayList<>(limit);
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, " + MessageStore.COLUMNS + " FROM " + table
                + " WHERE available_at <= ? ORDER BY available_at LIMIT ?" + dialect.skipLocked())) {
            dialect.setInstant(ps, 1, now);
            ps.setInt(2, limit);
            readClaims(ps, claimed);
        }
        return claimed;
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
    public List<Claimed> claimHeads(Connection c, Collection<Integer> partitions, BlockedKeys blockedKeys,
                                    int limit, int maxScan, boolean retained, Instant now) throws SQLException {
        if (partitions.isEmpty()) {
            return List.of();
        }
        Set<String> seen = new HashSet<>();
        Map<Long, String> keys = new HashMap<>();
        List<Long> chosen = new ArrayList<>(limit);
        String in = placeholders(partitions.size());
        int page = limit * SCAN_PAGE_FACTOR;
        long after = Long.MIN_VALUE;
        int scanned = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, message_key, available_at FROM " + table
                + " WHERE partition_no IN (" + in + ") AND seq > ?" + (retained ? " AND published_at IS NULL" : "")
                + " ORDER BY seq LIMIT ?")) {
            while (chosen.size() < limit && scanned < maxScan) {
                int i = 1;
                for (int partition : partitions) {
                    ps.setInt(i++, partition);
                }
                ps.setLong(i++, after);
                ps.setInt(i, page);
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && chosen.size() < limit) {
                        rows++;
                        after = rs.getLong(1);
                        String key = rs.getString(2);
                        boolean head = key == null || seen.add(key);
                        if (head && !dialect.getInstant(rs, "available_at").isAfter(now)) {
                            chosen.add(after);
                            keys.put(after, key);
                        }
                    }
                }
                scanned += rows;
                if (rows < page) {
                    break;
                }
            }
        }
        if (!chosen.isEmpty()) {
            Set<String> blocked = blockedKeys.read(c);
            chosen.removeIf(seq -> blocked.contains(keys.get(seq)));
        }
        if (chosen.isEmpty()) {
            return List.of();
        }
        List<Claimed> claimed = new ArrayList<>(chosen.size());
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, " + MessageStore.COLUMNS + " FROM " + table
                + " WHERE seq IN (" + placeholders(chosen.size()) + ") AND available_at <= ? ORDER BY seq"
                + dialect.skipLocked())) {
            int i = 1;
            for (long seq : chosen) {
                ps.setLong(i++, seq);
            }
            dialect.setInstant(ps, i, now);
            readClaims(ps, claimed);
        }
        return claimed;
    }

    private void readClaims(PreparedStatement ps, List<Claimed> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.add(new Claimed(rs.getLong("seq"), messages.read(rs)));
            }
        }
    }

    /** Deletes published rows. */
    public int delete(Connection c, List<Long> seqs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE seq IN ("
                + placeholders(seqs.size()) + ")" + dialect.deleteLimit(seqs.size()))) {
            bindSeqs(ps, 1, seqs);
            return ps.executeUpdate();
        }
    }

    /** Keeps published rows for the retention window, parked where no claim finds them. */
    public int markPublished(Connection c, List<Long> seqs, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET published_at = ?, available_at = ? WHERE seq IN (" + placeholders(seqs.size()) + ")")) {
            dialect.setInstant(ps, 1, now);
            dialect.setInstant(ps, 2, PARKED);
            bindSeqs(ps, 3, seqs);
            return ps.executeUpdate();
        }
    }

    /** Deletes published rows older than {@code before}, at most {@code limit}. */
    public int purgePublished(Connection c, Instant before, int limit) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM " + table
                + " WHERE published_at IS NOT NULL AND published_at < ? ORDER BY seq LIMIT ?")) {
            dialect.setInstant(ps, 1, before);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                }
            }
        }
        if (seqs.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE seq IN ("
                + placeholders(seqs.size()) + ") AND published_at IS NOT NULL" + dialect.deleteLimit(seqs.size()))) {
            bindSeqs(ps, 1, seqs);
            return ps.executeUpdate();
        }
    }

    /** Records a failed attempt: the row becomes available again at {@code nextAttemptAt}. */
    public void reschedule(Connection c, Claimed claim, int attempts, String error, Instant nextAttemptAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET attempts = ?, last_error = ?, available_at = ? WHERE seq = ?")) {
            ps.setInt(1, attempts);
            ps.setString(2, error);
            dialect.setInstant(ps, 3, nextAttemptAt);
            ps.setLong(4, claim.seq());
            ps.executeUpdate();
        }
    }

    /** Removes a claimed row that was dead-lettered. */
    public void remove(Connection c, Claimed claim) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE seq = ?")) {
            ps.setLong(1, claim.seq());
            ps.executeUpdate();
        }
    }

    static int bindSeqs(PreparedStatement ps, int first, List<Long> seqs) throws SQLException {
        int i = first;
        for (long seq : seqs) {
            ps.setLong(i++, seq);
        }
        return i;
    }

    static String placeholders(int n) {
        return n == 1 ? "?" : "?" + ", ?".repeat(n - 1);
    }
}
