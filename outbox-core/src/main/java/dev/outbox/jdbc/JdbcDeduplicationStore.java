package dev.outbox.jdbc;

import dev.outbox.OutboxStoreException;
import dev.outbox.TableNames;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The deduplication store in the database, table {@code outbox_inbox} with primary key (consumer, message id).
 * The primary key makes two concurrent deliveries of one message serialise: the second waits for the first's
 * transaction and then sees a duplicate (or proceeds, if the first rolled back). Thread-safe.
 */
public final class JdbcDeduplicationStore implements DeduplicationStore {
    /** Longest message id stored; longer ids are rejected as poison by the consumer. */
    public static final int MAX_ID_LENGTH = 255;

    private final Jdbi jdbi;
    private final TableNames tables;
    private final Clock clock;
    private volatile Dialect dialect;

    /**
     * @param jdbi the consumer's database
     * @param tables table names (the inbox table is {@code <prefix>inbox})
     * @param dialect the dialect, or null to detect it
     * @param clock the clock of {@code processed_at}
     */
    public JdbcDeduplicationStore(Jdbi jdbi, TableNames tables, Dialect dialect, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.dialect = dialect;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean record(Handle handle, String consumer, String messageId) {
        Connection c = handle.getConnection();
        try {
            Dialect d = dialect(c);
            try (PreparedStatement ps = c.prepareStatement(d.insertIfAbsent(tables.inbox(),
                    "consumer_name, message_id, processed_at", 3))) {
                ps.setString(1, consumer);
                ps.setString(2, messageId);
                d.setInstant(ps, 3, clock.instant());
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                    return false;
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new OutboxStoreException("Could not record message " + messageId + " for consumer " + consumer
                    + " in " + tables.inbox() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int purgeOlderThan(Instant cutoff) {
        try (Handle handle = jdbi.open()) {
            Connection c = handle.getConnection();
            Dialect d = dialect(c);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + tables.inbox()
                    + " WHERE processed_at < ?")) {
                d.setInstant(ps, 1, cutoff);
                return ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new OutboxStoreException("Could not purge " + tables.inbox() + ": " + e.getMessage(), e);
        }
    }

    private Dialect dialect(Connection c) throws SQLException {
        Dialect d = dialect;
        if (d == null) {
            d = Dialects.detect(c);
            dialect = d;
        }
        return d;
    }
}
