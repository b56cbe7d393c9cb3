package dev.outbox.internal.relay;

import dev.outbox.TableNames;
import dev.outbox.internal.Sql;
import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shares the outbox partitions among the live ordered relays. Every relay heartbeats its instance row; the live
 * relays, sorted by id, each own the partitions {@code p} with {@code p mod live == index}, so they agree on a fair
 * split without talking to each other. A partition changes hands only through its lease: released by the old
 * owner, or expired, then taken by the new one.
 */
public final class PartitionLeases {
    /** Instance rows this long dead are deleted by any live relay. */
    private static final Duration FORGET_AFTER = Duration.ofHours(1);

    private final Dialect dialect;
    private final TableNames tables;
    private final String relayId;
    private final int partitions;
    private final Duration leaseTimeout;
    private final Clock clock;
    private volatile Set<Integer> owned = Set.of();
    private volatile Instant validUntil = Instant.MIN;

    public PartitionLeases(Dialect dialect, TableNames tables, String relayId, int partitions, Duration leaseTimeout,
                           Clock clock) {
        this.dialect = dialect;
        this.tables = tables;
        this.relayId = relayId;
        this.partitions = partitions;
        this.leaseTimeout = leaseTimeout;
        this.clock = clock;
    }

    /**
     * The partitions this relay may claim from now: none once its leases are closer to expiry than a third of the
     * lease timeout (a missed heartbeat), so it stops before another relay may take them.
     */
    public Set<Integer> owned() {
        return clock.instant().plus(leaseTimeout.dividedBy(3)).isBefore(validUntil) ? owned : Set.of();
    }

    /** Renews this relay's presence and leases, and takes or gives partitions to match its fair share. */
    public void heartbeat(Connection c) throws SQLException {
        Instant now = clock.instant();
        Instant until = now.plus(leaseTimeout);
        ensurePartitionRows(c);
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.relayInstance()
                + " SET heartbeat_until = ? WHERE relay_id = ?")) {
            dialect.setInstant(ps, 1, until);
            ps.setString(2, relayId);
            if (ps.executeUpdate() == 0) {
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + tables.relayInstance()
                        + " (relay_id, heartbeat_until) VALUES (?, ?)")) {
                    insert.setString(1, relayId);
                    dialect.setInstant(insert, 2, until);
                    insert.executeUpdate();
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + tables.relayInstance()
                + " WHERE heartbeat_until < ?")) {
            dialect.setInstant(ps, 1, now.minus(FORGET_AFTER));
            ps.executeUpdate();
        }
        List<String> live = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT relay_id FROM " + tables.relayInstance()
                + " WHERE heartbeat_until > ? ORDER BY relay_id")) {
            dialect.setInstant(ps, 1, now);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    live.add(rs.getString(1));
                }
            }
        }
        int index = live.indexOf(relayId);
        Set<Integer> share = new TreeSet<>();
        for (int p = 0; p < partitions; p++) {
            if (index >= 0 && p % live.size() == index) {
                share.add(p);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.partitionLease()
                + " SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?"
                + (share.isEmpty() ? "" : " AND partition_no NOT IN (" + Sql.placeholders(share.size()) + ")"))) {
            ps.setString(1, relayId);
            Sql.bindInts(ps, 2, share);
            ps.executeUpdate();
        }
        if (!share.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.partitionLease()
                    + " SET lease_owner = ?, lease_until = ? WHERE partition_no IN ("
                    + Sql.placeholders(share.size())
                    + ") AND (lease_owner = ? OR lease_owner IS NULL OR lease_until < ?)")) {
                ps.setString(1, relayId);
                dialect.setInstant(ps, 2, until);
                int next = Sql.bindInts(ps, 3, share);
                ps.setString(next, relayId);
                dialect.setInstant(ps, next + 1, now);
                ps.executeUpdate();
            }
        }
        Set<Integer> mine = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT partition_no FROM " + tables.partitionLease()
                + " WHERE lease_owner = ? AND lease_until > ?")) {
            ps.setString(1, relayId);
            dialect.setInstant(ps, 2, now);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    mine.add(rs.getInt(1));
                }
            }
        }
        owned = Set.copyOf(mine);
        validUntil = until;
    }

    /** Gives up every lease and the instance row, so the other relays take over at their next heartbeat. */
    public void release(Connection c) throws SQLException {
        owned = Set.of();
        validUntil = Instant.MIN;
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.partitionLease()
                + " SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?")) {
            ps.setString(1, relayId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + tables.relayInstance()
                + " WHERE relay_id = ?")) {
            ps.setString(1, relayId);
            ps.executeUpdate();
        }
    }

    private void ensurePartitionRows(Connection c) throws SQLException {
        Set<Integer> present = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT partition_no FROM " + tables.partitionLease());
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                present.add(rs.getInt(1));
            }
        }
        for (int p = 0; p < partitions; p++) {
            if (!present.contains(p)) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.partitionLease()
                        + " (partition_no) VALUES (?)")) {
                    ps.setInt(1, p);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                        throw e;
                    }
                    // another relay inserted it first
                }
            }
        }
    }
}
