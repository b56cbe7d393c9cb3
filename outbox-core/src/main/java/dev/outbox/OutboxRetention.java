package dev.outbox;

import dev.outbox.internal.Database;
import dev.outbox.internal.Purges;
import dev.outbox.spi.Reasons;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Forgets what is old enough, on a schedule: dead letters failed longer ago than their retention, and the consumers'
 * deduplication records processed longer ago than theirs. Each purge deletes in bounded batches, one short statement
 * each, so a backlog of millions never holds long locks. Run one per database (several are harmless).
 *
 * <pre>{@code
 * OutboxRetention retention = OutboxRetention.builder(outbox)
 *         .deadLetters(Duration.ofDays(30))
 *         .inbox(Duration.ofDays(14))
 *         .build();
 * retention.start();      // purges now, then every interval
 * ...
 * retention.close();
 * }</pre>
 *
 * <p>Keep the inbox retention longer than any redelivery can take: a duplicate arriving after its record is purged
 * is processed again. Thread-safe.
 */
public final class OutboxRetention implements AutoCloseable {
    /** Default time between purges: often enough to keep tables small, rare enough to cost nothing. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(OutboxRetention.class);

    private final Database database;
    private final @Nullable Duration deadLetters;
    private final @Nullable Duration inbox;
    private final Duration interval;
    private final Clock clock;
    private final AtomicBoolean started = new AtomicBoolean();
    private @Nullable ScheduledExecutorService timer;

    private OutboxRetention(Builder b) {
        database = b.database;
        deadLetters = b.deadLetters;
        inbox = b.inbox;
        interval = b.interval;
        clock = b.clock;
    }

    /** Retention of the tables of {@code outbox}. */
    public static Builder builder(Outbox outbox) {
        Objects.requireNonNull(outbox, "outbox");
        return new Builder(outbox.runtime().database(), outbox.runtime().clock());
    }

    /** Retention of the tables named {@code tables} in the database of {@code dataSource} (a consumer's, say). */
    public static Builder builder(DataSource dataSource, TableNames tables) {
        return new Builder(new Database(Jdbi.create(Objects.requireNonNull(dataSource, "dataSource")), null,
                Objects.requireNonNull(tables, "tables")), Clock.systemUTC());
    }

    /** What one purge removed. */
    public record Purged(long deadLetters, long inboxRecords) {
    }

    /** Purges now, once, on the caller's thread. */
    public Purged purge() {
        Instant now = clock.instant();
        try {
            long dead = deadLetters == null ? 0
                    : Purges.olderThan(database, database.tables().deadLetter(), "failed_at", now.minus(deadLetters));
            long records = inbox == null ? 0
                    : Purges.olderThan(database, database.tables().inbox(), "processed_at", now.minus(inbox));
            if (dead + records > 0) {
                log.info("Outbox retention purged {} dead letter(s) and {} deduplication record(s) from {}", dead,
                        records, database.tables());
            }
            return new Purged(dead, records);
        } catch (SQLException e) {
            throw new OutboxStoreException("Outbox retention on " + database.tables() + " failed: " + Reasons.of(e), e);
        }
    }

    /** Purges now and then every interval, on a daemon thread {@code outbox-retention}. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("OutboxRetention was already started");
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-retention");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::purgeLogged, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void purgeLogged() {
        try {
            purge();
        } catch (RuntimeException e) {
            log.warn("Outbox retention failed; it runs again in {}: {}", interval, Reasons.of(e));
        }
    }

    /** Stops the schedule (a purge under way finishes its statement). Idempotent. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Configures an {@link OutboxRetention}; {@link #build()} validates and starts nothing. */
    public static final class Builder {
        private final Database database;
        private @Nullable Duration deadLetters;
        private @Nullable Duration inbox;
        private Duration interval = DEFAULT_INTERVAL;
        private Clock clock;

        private Builder(Database database, Clock clock) {
            this.database = database;
            this.clock = clock;
        }

        /** Dead letters that failed longer ago than this are deleted (default: kept for ever). */
        public Builder deadLetters(Duration retention) {
            this.deadLetters = retention;
            return this;
        }

        /** Deduplication records processed longer ago than this are deleted (default: kept for ever). */
        public Builder inbox(Duration retention) {
            this.inbox = retention;
            return this;
        }

        /** Time between purges (default 10 minutes). */
        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting when a duration is not positive */
        public OutboxRetention build() {
            if (deadLetters == null && inbox == null) {
                throw new IllegalStateException("OutboxRetention.builder() needs deadLetters(...) or inbox(...): "
                        + "with neither it would purge nothing");
            }
            positive("deadLetters", deadLetters, true);
            positive("inbox", inbox, true);
            positive("interval", interval, false);
            if (clock == null) {
                throw new IllegalArgumentException("OutboxRetention.builder().clock(null): a clock is required");
            }
            return new OutboxRetention(this);
        }

        private static void positive(String name, @Nullable Duration value, boolean optional) {
            if (value == null ? !optional : value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("OutboxRetention.builder()." + name + "(" + value
                        + ") must be positive");
            }
        }
    }
}
