package dev.outbox;

import dev.outbox.internal.Database;
import dev.outbox.internal.DeadLetterStore;
import dev.outbox.internal.OutboxRuntime;
import dev.outbox.spi.OutboundMessage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Operations on an outbox: health statistics, and the dead letters (list, count, replay, purge). Obtained from
 * {@link Outbox#admin()}. Bulk operations work through any number of dead letters in bounded batches, one short
 * transaction each, reporting progress; thread-safe.
 *
 * <p>Replay moves a dead letter back into the outbox with its original message id and write position, available at
 * once and with its attempts reset; consumers that saw an earlier publish of it recognise it as a duplicate. A dead
 * letter that cannot be replayed (its id is already pending; a consumer's dead letter the filter did not ask for by
 * origin) is reported and left in place, and the replay goes on.
 */
public final class OutboxAdmin {
    /** Most dead letters one list call returns. */
    public static final int MAX_BATCH = 10_000;
    /** Dead letters replayed or purged per transaction: short locks, steady progress. */
    public static final int BULK_BATCH = 500;

    private final OutboxRuntime runtime;
    private final Database database;

    OutboxAdmin(OutboxRuntime runtime) {
        this.runtime = runtime;
        this.database = runtime.database();
    }

    /** Told how far a bulk operation has come, after each batch. */
    @FunctionalInterface
    public interface Progress {
        /** {@code done} of {@code total} dead letters handled (total as counted when the operation began). */
        void update(long done, long total);

        /** A progress that ignores updates. */
        static Progress none() {
            return (done, total) -> { };
        }
    }

    /** Pending count and age, in-flight count, dead-letter count and the last publish seen in this JVM. */
    public OutboxStats stats() {
        return call((c, stores) -> {
            Instant now = runtime.clock().instant();
            long pending;
            Instant oldest;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), MIN(created_at) FROM "
                    + database.tables().message() + " WHERE published_at IS NULL");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                pending = rs.getLong(1);
                oldest = pending == 0 ? null : stores.dialect().getInstant(rs, 2);
            }
            long deadLetters = stores.deadLetters().count(c, DeadLetterFilter.all());
            Duration age = oldest == null || oldest.isAfter(now) ? Duration.ZERO : Duration.between(oldest, now);
            return new OutboxStats(pending, age, runtime.inFlight(), deadLetters, runtime.lastPublishedAt());
        });
    }

    /**
     * Pending messages by destination, the destinations with the oldest messages first. Table-wide: what every
     * relay and instance sees alike. Messages being published right now count as pending (their rows are locked by
     * the relay's transaction and cannot be told apart without taking locks).
     */
    public List<DestinationStats> pendingByDestination() {
        return call((c, stores) -> {
            Instant now = runtime.clock().instant();
            List<DestinationStats> result = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT destination, COUNT(*),"
                    + " SUM(CASE WHEN available_at <= ? THEN 1 ELSE 0 END),"
                    + " SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), MIN(created_at) FROM "
                    + database.tables().message() + " WHERE published_at IS NULL GROUP BY destination"
                    + " ORDER BY MIN(created_at), destination")) {
                stores.dialect().setInstant(ps, 1, now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long pending = rs.getLong(2);
                        long available = rs.getLong(3);
                        Instant oldest = stores.dialect().getInstant(rs, 5);
                        result.add(new DestinationStats(rs.getString(1), pending, available, pending - available,
                                rs.getLong(4), oldest == null || oldest.isAfter(now) ? Duration.ZERO
                                        : Duration.between(oldest, now)));
                    }
                }
            }
            return result;
        });
    }

    /** Dead letters matching {@code filter} counted by origin and error class, largest groups first. */
    public List<DeadLetterGroup> deadLetterGroups(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return call((c, stores) -> stores.deadLetters().groups(c, filter));
    }

    /** The pending message with this id, as stored (attempts, last availability), or empty when there is none. */
    public Optional<OutboundMessage> pending(UUID messageId) {
        Objects.requireNonNull(messageId, "messageId");
        return call((c, stores) -> stores.messages().find(c, messageId));
    }

    /** Dead letters matching {@code filter}, oldest first, at most {@code limit} (up to {@link #MAX_BATCH}). */
    public List<DeadLetter> deadLetters(DeadLetterFilter filter, int limit) {
        return deadLetters(filter, 0, limit);
    }

    /**
     * The next page of dead letters matching {@code filter}: those with a {@link DeadLetter#deadLetterId()} above
     * {@code after} (0 for the first page), oldest first, at most {@code limit} (up to {@link #MAX_BATCH}).
     */
    public List<DeadLetter> deadLetters(DeadLetterFilter filter, long after, int limit) {
        Objects.requireNonNull(filter, "filter");
        if (limit < 1) {
            throw new IllegalArgumentException("OutboxAdmin.deadLetters: limit(" + limit + ") must be positive");
        }
        return call((c, stores) -> stores.deadLetters().list(c, filter, after, Math.min(limit, MAX_BATCH)));
    }

    public long countDeadLetters(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return call((c, stores) -> stores.deadLetters().count(c, filter));
    }

    /** Replays the dead letter(s) of one message; returns whether one was replayed. */
    public boolean replay(UUID messageId) {
        return replay(DeadLetterFilter.byId(Objects.requireNonNull(messageId, "messageId"))).replayed() > 0;
    }

    /** Replays every dead letter matching {@code filter}; see {@link #replay(DeadLetterFilter, Progress)}. */
    public ReplayReport replay(DeadLetterFilter filter) {
        return replay(filter, Progress.none());
    }

    /**
     * Replays every dead letter matching {@code filter} that exists when it begins, {@value #BULK_BATCH} per
     * transaction, telling {@code progress} after each batch (a message that fails again at once while the replay
     * runs is dead-lettered again and left for the next replay, never chased). Dead letters of consumers are
     * replayed only when the filter names their origin ({@link DeadLetterFilter#withOrigin}) or their message id, as
     * replaying one publishes it again to every consumer of its destination; the others are skipped with that
     * reason, as are dead letters whose message id is already pending.
     */
    public ReplayReport replay(DeadLetterFilter filter, Progress progress) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(progress, "progress");
        long total = countDeadLetters(filter);
        // What exists now: a message dead-lettered again while the replay runs is left for the next one.
        long upTo = call((c, stores) -> stores.deadLetters().lastId(c));
        long replayed = 0;
        long done = 0;
        long after = 0;
        List<ReplayReport.Skipped> skipped = new ArrayList<>();
        while (true) {
            long from = after;
            DeadLetterStore.ReplayBatch batch = transaction((c, stores) -> stores.deadLetters().replay(c, filter,
                    from, upTo, BULK_BATCH, runtime.clock().instant()));
            if (batch.seen() == 0) {
                break;
            }
            replayed += batch.replayed();
            skipped.addAll(batch.skipped());
            done += batch.seen();
            after = batch.last();
            if (batch.replayed() > 0) {
                runtime.committed();
            }
            progress.update(done, Math.max(total, done));
        }
        return new ReplayReport(replayed, skipped);
    }

    /** Deletes every dead letter matching {@code filter} for good; returns how many. */
    public int purge(DeadLetterFilter filter) {
        return (int) Math.min(Integer.MAX_VALUE, purge(filter, Progress.none()));
    }

    /**
     * Deletes every dead letter matching {@code filter} that exists when it begins, {@value #BULK_BATCH} per
     * statement; returns how many.
     */
    public long purge(DeadLetterFilter filter, Progress progress) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(progress, "progress");
        long total = countDeadLetters(filter);
        long upTo = call((c, stores) -> stores.deadLetters().lastId(c));
        long purged = 0;
        int deleted;
        do {
            deleted = call((c, stores) -> stores.deadLetters().purge(c, filter, upTo, BULK_BATCH));
            purged += deleted;
            progress.update(purged, Math.max(total, purged));
        } while (deleted == BULK_BATCH);
        return purged;
    }

    private <T> T call(Database.Work<T> work) {
        try {
            return database.withConnection(work);
        } catch (SQLException e) {
            throw new OutboxStoreException("Outbox admin operation on " + database.tables() + " failed: "
                    + e.getMessage(), e);
        }
    }

    private <T> T transaction(Database.Work<T> work) {
        try {
            return database.inTransaction(work);
        } catch (SQLException e) {
            throw new OutboxStoreException("Outbox admin operation on " + database.tables() + " failed: "
                    + e.getMessage(), e);
        }
    }
}
