package dev.outbox;

import dev.outbox.internal.DeadLetterStore;
import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Operations on an outbox: health statistics, and the dead letters (list, count, replay, purge). Obtained from
 * {@link Outbox#admin()}. Each call is one short transaction; thread-safe.
 *
 * <p>Replay moves a dead letter back into the outbox with its original message id and write position, available at
 * once and with its attempts reset; consumers that saw an earlier publish of it recognise it as a duplicate.
 */
public final class OutboxAdmin {
    /** Most dead letters one replay or list call handles. */
    public static final int MAX_BATCH = 10_000;

    private final Outbox outbox;

    OutboxAdmin(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Pending count and age, in-flight count, dead-letter count and the last publish seen in this JVM. */
    public OutboxStats stats() {
        return call(c -> {
            Instant now = outbox.clock().instant();
            long pending;
            Instant oldest;
            try (PreparedStatement ps = c.connection().prepareStatement("SELECT COUNT(*),"
                    + " MIN(created_at) AS oldest_created_at FROM " + outbox.tables().message()
                    + " WHERE published_at IS NULL");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                pending = rs.getLong(1);
                oldest = pending == 0 ? null : c.dialect().getInstant(rs, "oldest_created_at");
            }
            long deadLetters = c.deadLetters().count(c.connection(), DeadLetterFilter.all());
            Duration age = oldest == null || oldest.isAfter(now) ? Duration.ZERO : Duration.between(oldest, now);
            return new OutboxStats(pending, age, outbox.inFlight(), deadLetters, outbox.lastPublishedAt());
        });
    }

    /** Dead letters matching {@code filter}, oldest first, at most {@code limit}. */
    public List<DeadLetter> deadLetters(DeadLetterFilter filter, int limit) {
        Objects.requireNonNull(filter, "filter");
        return call(c -> c.deadLetters().list(c.connection(), filter, Math.min(limit, MAX_BATCH)));
    }

    public long countDeadLetters(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return call(c -> c.deadLetters().count(c.connection(), filter));
    }

    /** Replays the dead letter of one message; returns whether there was one. */
    public boolean replay(UUID messageId) {
        return replay(DeadLetterFilter.byId(messageId)) > 0;
    }

    /** Replays every dead letter matching {@code filter} (up to {@link #MAX_BATCH}); returns how many. */
    public int replay(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        int replayed = transaction(c -> c.deadLetters().replay(c.connection(), filter, MAX_BATCH,
                outbox.clock().instant()));
        if (replayed > 0) {
            outbox.committed();
        }
        return replayed;
    }

    /** Deletes every dead letter matching {@code filter} for good; returns how many. */
    public int purge(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return call(c -> c.deadLetters().purge(c.connection(), filter));
    }

    private <T> T call(Work<T> work) {
        return run(work, false);
    }

    private <T> T transaction(Work<T> work) {
        return run(work, true);
    }

    private <T> T run(Work<T> work, boolean transactional) {
        Outbox.SqlWork<T> sql = (connection, messages) -> work.apply(new Context(connection,
                new DeadLetterStore(messages, outbox.tables()), messages.dialect()));
        try {
            return transactional ? outbox.inTransaction(sql) : outbox.withConnection(sql);
        } catch (SQLException e) {
            throw new OutboxStoreException("Outbox admin operation on " + outbox.tables() + " failed: "
                    + e.getMessage(), e);
        }
    }

    private record Context(Connection connection, DeadLetterStore deadLetters, Dialect dialect) {
    }

    @FunctionalInterface
    private interface Work<T> {
        T apply(Context context) throws SQLException;
    }
}
