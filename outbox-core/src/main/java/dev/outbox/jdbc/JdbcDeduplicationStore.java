package dev.outbox.jdbc;

import dev.outbox.OutboxStoreException;
import dev.outbox.TableNames;
import dev.outbox.internal.Database;
import dev.outbox.internal.Purges;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.Reasons;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * The deduplication store in the database, table {@code outbox_inbox} with primary key (consumer, message id),
 * compared byte for byte. The primary key makes two concurrent deliveries of one message serialise: the second
 * waits for the first's transaction and then sees a duplicate (or proceeds, if the first rolled back). Purges run
 * in bounded batches. Thread-safe.
 */
public final class JdbcDeduplicationStore implements DeduplicationStore {
    /** Longest message id stored; longer ids are rejected as poison by the consumer. */
    public static final int MAX_ID_LENGTH = 255;
    /** Records deleted per statement by a purge: short locks, whatever the backlog. */
    public static final int PURGE_BATCH = Purges.BATCH;

    private final Database database;
    private final Clock clock;

    /**
     * @param jdbi the consumer's database
     * @param tables table names (the inbox table is {@code <prefix>inbox})
     * @param dialect the dialect, or null to detect it
     * @param clock the clock of {@code processed_at}
     */
    public JdbcDeduplicationStore(Jdbi jdbi, TableNames tables, @Nullable Dialect dialect, Clock clock) {
        this.database = new Database(Objects.requireNonNull(jdbi, "jdbi"), dialect,
                Objects.requireNonNull(tables, "tables"));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean record(Handle handle, String consumer, String messageId) {
        Connection c = handle.getConnection();
        try {
            Dialect d = database.stores(c).dialect();
            try (PreparedStatement ps = c.prepareStatement(d.insertIfAbsent(database.tables().inbox(),
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
            throw new OutboxStoreException("Could not record message " + Reasons.forLog(messageId) + " for consumer "
                    + Reasons.forLog(consumer) + " in " + database.tables().inbox() + ": " + Reasons.of(e), e);
        }
    }

    @Override
    public int purgeOlderThan(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        try {
            return (int) Math.min(Integer.MAX_VALUE, Purges.olderThan(database, database.tables().inbox(),
                    "processed_at", cutoff));
        } catch (SQLException e) {
            throw new OutboxStoreException("Could not purge " + database.tables().inbox() + ": " + Reasons.of(e), e);
        }
    }
}
