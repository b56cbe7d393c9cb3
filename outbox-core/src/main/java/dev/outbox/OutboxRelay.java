package dev.outbox;

import dev.outbox.internal.Database;
import dev.outbox.internal.OutboxRuntime;
import dev.outbox.internal.relay.Batches;
import dev.outbox.internal.relay.Claims;
import dev.outbox.internal.relay.DeadLetterCopies;
import dev.outbox.internal.relay.GuardedPublisher;
import dev.outbox.internal.relay.Housekeeping;
import dev.outbox.internal.relay.Lanes;
import dev.outbox.internal.relay.NotificationListener;
import dev.outbox.internal.relay.OutcomeClassifier;
import dev.outbox.internal.relay.PartitionLeases;
import dev.outbox.internal.relay.PoolCheck;
import dev.outbox.internal.relay.RelayEvents;
import dev.outbox.internal.relay.RelaySettings;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.RetryPolicy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

// Longer than most files: half of it is the builder's documented options; the relay's work lives in
// internal.relay, this class only conducts it.
/**
 * Publishes committed outbox messages through a {@link MessagePublisher}: claims batches, keeps several in flight,
 * deletes what the broker acked, retries failures with backoff and dead-letters what cannot be published.
 *
 * <pre>{@code
 * OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build();
 * relay.start();
 * ...
 * relay.close();   // stops claiming, drains in-flight batches within the close timeout
 * }</pre>
 *
 * <p>Guarantees: every committed message is eventually acked by the broker or moved to the dead-letter table with
 * its last error (relay crashes, broker outages and database restarts only delay it); a message may be published
 * more than once (a crash between ack and delete), always with the same id. A claim is a row lock held by the
 * relay's transaction while the batch is published, and the outcome is recorded in that transaction: rows of a
 * relay that died are claimable again as soon as its database session ends (on PostgreSQL the server also ends a
 * claim transaction idle for {@link Builder#leaseTimeout}). With {@link Ordering#BY_KEY}, messages of a key are
 * published in write order across any number of relay instances.
 *
 * <p>Nothing one message or one publisher does stops the relay: a publisher that throws, hangs, or answers for the
 * wrong messages fails its batch (an attempt each); a row that cannot be read is dead-lettered unpublished; a
 * retry policy that throws is replaced by the default backoff; a completion that cannot be recorded is rolled back
 * and counted as a failed attempt. Claims are bounded by bytes ({@link Builder#maxBatchBytes}) as well as rows.
 *
 * <p>Threads: {@code maxInFlightBatches} lanes ({@code outbox-relay-<n>-lane-<i>}), each claiming, publishing and
 * completing its own batches, so the next claim overlaps the previous publish; a timer for the lease heartbeat and
 * retention purge; a LISTEN thread on PostgreSQL; threads that call the publisher.
 *
 * <p>Connections: each lane holds one while its batch is in flight; the timer and the LISTEN thread one each. So a
 * relay needs up to {@code maxInFlightBatches + 2}; {@link #start()} refuses a HikariCP pool that cannot hold that
 * (plus one for the application when shared). Give the relay its own pool with {@link Builder#dataSource} so that a
 * slow broker can never take the application's connections.
 *
 * <p>Wake-up: on PostgreSQL the relay LISTENs for the writer's notification and publishes right after commit;
 * writes through a Jdbi handle or {@link Outbox#committed()} wake relays in the same JVM; otherwise it polls, fast
 * while there is work and backing off to {@link Builder#maxPollInterval} while idle. Thread-safe.
 *
 * <p>This class conducts (lifecycle and wiring); the work is in {@code dev.outbox.internal.relay}. Half of this file
 * is the builder, whose settings are documented here because users read them here.
 */
public final class OutboxRelay implements AutoCloseable {
    /**
     * Most messages claimed per batch: what a backlog is drained in (large batches amortise the claim and let the
     * broker client batch); idle relays claim far fewer (see {@link Builder#batchSize}).
     */
    public static final int DEFAULT_BATCH_SIZE = 2000;
    /** Bytes claimed per batch at most: four lanes then hold at most 32 MiB of payloads and headers. */
    public static final long DEFAULT_MAX_BATCH_BYTES = 8L * 1024 * 1024;
    /** Batches in flight: overlaps database and broker work on both sides. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    /** How long a partition lease lasts without renewal, and a claim transaction may sit idle (PostgreSQL). */
    public static final Duration DEFAULT_LEASE_TIMEOUT = Duration.ofSeconds(60);
    /** A publish not answered within this counts as failed; shorter than the lease, so no claim expires in flight. */
    public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(30);
    /** First wait after an empty claim. */
    public static final Duration DEFAULT_MIN_POLL_INTERVAL = Duration.ofMillis(10);
    /** Longest wait between claims while idle: the latency bound where no wake-up reaches the relay. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofSeconds(1);
    /** Default time {@link #close()} waits for in-flight batches. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Failed attempts from which a retry is logged at WARN rather than DEBUG. */
    public static final int DEFAULT_WARN_AFTER_ATTEMPTS = 3;

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final OutboxRuntime runtime;
    private final Outbox outbox;
    private final RelaySettings settings;
    private final String threadPrefix = "outbox-relay-" + INSTANCES.incrementAndGet();
    /** Wakes the lanes: a commit in this JVM, a notification, new partition leases. */
    private final Runnable wakeUp = () -> {
        Lanes current = this.lanes;
        if (current != null) {
            current.wakeUp();
        }
    };
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running;
    private volatile @Nullable Lanes lanes;
    private @Nullable PartitionLeases leases;
    private @Nullable Housekeeping housekeeping;
    private @Nullable NotificationListener listener;
    private @Nullable ScheduledExecutorService timer;

    private OutboxRelay(Outbox outbox, RelaySettings settings) {
        this.outbox = outbox;
        this.runtime = outbox.runtime();
        this.settings = settings;
    }

    /** A builder for a relay of {@code outbox}. */
    public static Builder builder(Outbox outbox) {
        return new Builder(Objects.requireNonNull(outbox, "outbox"));
    }

    /**
     * Checks the schema and the pool, then starts the relay's threads: the lanes, the timer (lease heartbeat in
     * ordered mode, retention purge) and the notification listener (PostgreSQL).
     *
     * @throws OutboxConfigurationException when the schema is incomplete or the pool too small
     * @throws IllegalStateException when started twice or after close
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("OutboxRelay " + settings.relayId() + " was already started"
                    + (closed.get() ? " and closed" : "") + "; build a new relay");
        }
        outbox.schema().verify();
        Database database = settings.jdbi() != null
                ? runtime.database().on(settings.jdbi(), settings.dataSource())
                : runtime.database();
        Dialect dialect;
        try {
            dialect = database.withConnection((connection, stores) -> stores.dialect());
        } catch (SQLException e) {
            throw new OutboxStoreException("OutboxRelay cannot reach the database: " + e.getMessage(), e);
        }
        boolean listens = settings.listen() && dialect.wakeUpStatement().isPresent();
        PoolCheck.verify(settings, runtime.dataSource().orElse(null), listens);
        running = true;
        timer = Executors.newSingleThreadScheduledExecutor(threads(threadPrefix + "-timer"));
        housekeeping = new Housekeeping(database, settings.relayId(), runtime.clock(), wakeUp);
        if (settings.ordering() == Ordering.BY_KEY) {
            leases = new PartitionLeases(dialect, database.tables(), settings.relayId(), runtime.partitions(),
                    settings.leaseTimeout(), runtime.clock());
            housekeeping.scheduleHeartbeat(timer, leases, settings.leaseTimeout());
        }
        if (!settings.retention().isZero()) {
            housekeeping.schedulePurge(timer, settings.retention(), () -> running);
        }
        RelayEvents events = new RelayEvents(settings.relayId(), settings.listeners(), settings.warnAfterAttempts());
        Claims claims = new Claims(database, settings, leases);
        GuardedPublisher publisher = new GuardedPublisher(settings.publisher(), settings.publishTimeout());
        Batches batches = new Batches(claims, publisher, new OutcomeClassifier(settings.retryPolicy(),
                settings.deadLetterPolicy()), new DeadLetterCopies(settings.deadLetterPolicy(), publisher,
                database.tables().deadLetter()), events, runtime);
        lanes = new Lanes(settings, claims, batches, events, runtime.clock(), threadPrefix);
        long watchMillis = Math.max(10, Math.min(1_000, settings.publishTimeout().toMillis() / 4));
        timer.scheduleWithFixedDelay(lanes::replaceStuck, watchMillis, watchMillis, TimeUnit.MILLISECONDS);
        runtime.onCommit(wakeUp);
        if (listens) {
            listener = new NotificationListener(database, settings.relayId(), wakeUp, settings.maxPoll(),
                    threadPrefix + "-listen");
            listener.start();
        }
        lanes.start();
        log.info("Outbox relay {} started on {} ({} ordering, batch {} / {} bytes, {} lanes, dialect {})",
                settings.relayId(), database.tables().message(), settings.ordering(), settings.batchSize(),
                settings.maxBatchBytes(), settings.maxInFlight(), dialect.name());
    }

    /** This relay's id, as stored in leases. */
    public String relayId() {
        return settings.relayId();
    }

    /** True between {@link #start()} and {@link #close()}. */
    public boolean isRunning() {
        return running;
    }

    /** Closes with the configured close timeout; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(settings.closeTimeout());
    }

    /**
     * Stops claiming, waits up to {@code timeout} for in-flight batches to complete, then rolls back the claims of
     * batches still in flight (their rows are claimable again at once, unchanged), releases partition leases and
     * stops the relay's threads. After it returns the relay holds no connection, unless a lane is stuck in a
     * database call that outlived a further grace period (logged). Idempotent.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (!started.get()) {
            return;
        }
        runtime.removeOnCommit(wakeUp);
        // Null where start() failed before setting them up (e.g. the schema check).
        if (lanes != null) {
            lanes.stop(timeout);
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (leases != null && housekeeping != null) {
            housekeeping.release(leases, settings.leaseTimeout());
        }
        if (listener != null) {
            listener.stop();
        }
        log.info("Outbox relay {} closed", settings.relayId());
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    /** Configures an {@link OutboxRelay}; {@link #build()} validates and starts nothing. */
    public static final class Builder {
        private final Outbox outbox;
        private @Nullable MessagePublisher publisher;
        private Ordering ordering = Ordering.NONE;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration leaseTimeout = DEFAULT_LEASE_TIMEOUT;
        private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
        private Duration minPollInterval = DEFAULT_MIN_POLL_INTERVAL;
        private Duration maxPollInterval = DEFAULT_MAX_POLL_INTERVAL;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Duration retention = Duration.ZERO;
        private RetryPolicy retryPolicy = RetryPolicy.exponential();
        private DeadLetterPolicy deadLetterPolicy = DeadLetterPolicy.defaults();
        private final List<OutboxListener> listeners = new ArrayList<>();
        private int warnAfterAttempts = DEFAULT_WARN_AFTER_ATTEMPTS;
        private boolean listenForNotifications = true;
        private @Nullable String relayId;
        private @Nullable DataSource dataSource;
        private @Nullable Jdbi jdbi;

        private Builder(Outbox outbox) {
            this.outbox = outbox;
        }

        /** Required: where messages go. */
        public Builder publisher(MessagePublisher publisher) {
            this.publisher = publisher;
            return this;
        }

        /** {@link Ordering#NONE} (default): competing relays; {@link Ordering#BY_KEY}: per-key write order. */
        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        /**
         * Most messages claimed per batch (default {@value #DEFAULT_BATCH_SIZE}, at most 10,000). Each lane's claims
         * start at 100 rows (or this, if smaller), double while they come back full, so a backlog is drained in
         * batches of this size, and halve while they come back less than half full, so an idle relay claims little
         * and publishes at once. The byte bound ({@link #maxBatchBytes}) applies too.
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Most bytes of payloads and headers claimed per batch (default 8 MiB, at least 64 KiB); a batch stops
         * short of its row count when it would exceed this. A single larger message is still published, alone.
         * Bounds the relay's memory: lanes × this.
         */
        public Builder maxBatchBytes(long maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        /** Batches published concurrently by this relay, one per lane (default 4, at most 64). */
        public Builder maxInFlightBatches(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * How long an ordered relay's partition leases last without a heartbeat, after which other relays take
         * them over; on PostgreSQL also how long a claim transaction may sit idle before the server ends it.
         */
        public Builder leaseTimeout(Duration leaseTimeout) {
            this.leaseTimeout = leaseTimeout;
            return this;
        }

        /**
         * A batch whose publish has not completed after this counts as failed, an attempt for each message (the
         * publisher should answer sooner, with {@code BrokerUnavailableException} for outages); must be below the
         * lease timeout.
         */
        public Builder publishTimeout(Duration publishTimeout) {
            this.publishTimeout = publishTimeout;
            return this;
        }

        /** First wait after an empty claim; waits double up to {@link #maxPollInterval}. */
        public Builder minPollInterval(Duration minPollInterval) {
            this.minPollInterval = minPollInterval;
            return this;
        }

        /** Longest wait between claims while idle. */
        public Builder maxPollInterval(Duration maxPollInterval) {
            this.maxPollInterval = maxPollInterval;
            return this;
        }

        /** How long {@link OutboxRelay#close()} waits for in-flight batches before rolling their claims back. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /**
         * Keeps published messages for this long instead of deleting them at once (default zero: delete), e.g. to
         * inspect what was sent; a purge removes them afterwards.
         */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** Backoff between attempts (default exponential 500 ms to 5 min, full jitter). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

        /** When to give up on a message, and what its key does then (default 10 attempts, SKIP). */
        public Builder deadLetterPolicy(DeadLetterPolicy deadLetterPolicy) {
            this.deadLetterPolicy = deadLetterPolicy;
            return this;
        }

        /** Adds a listener of relay events (metrics, logs). */
        public Builder listener(OutboxListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Failed attempts from which retries are logged at WARN (default 3). */
        public Builder warnAfterAttempts(int warnAfterAttempts) {
            this.warnAfterAttempts = warnAfterAttempts;
            return this;
        }

        /**
         * Whether to hold a connection that listens for the writers' notifications (PostgreSQL; default true).
         * Turn off behind poolers that do not support LISTEN, e.g. PgBouncer in transaction mode.
         */
        public Builder listenForNotifications(boolean listen) {
            this.listenForNotifications = listen;
            return this;
        }

        /** The id stored in claims and leases (at most 64 characters); default host, pid and a random part. */
        public Builder relayId(String relayId) {
            this.relayId = relayId;
            return this;
        }

        /**
         * A pool of the outbox's database for this relay alone (default: the outbox's own), so that batches held
         * by a slow broker never take the application's connections. Size it for {@code maxInFlightBatches + 2}.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.jdbi = Jdbi.create(dataSource);
            return this;
        }

        /** As {@link #dataSource}, through a Jdbi instance of the outbox's database (its pool is not checked). */
        public Builder jdbi(Jdbi jdbi) {
            this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
            this.dataSource = null;
            return this;
        }

        /**
         * Builds the relay.
         *
         * @throws IllegalStateException when no publisher was set
         * @throws IllegalArgumentException naming the setting when a value is out of range
         */
        public OutboxRelay build() {
            return new OutboxRelay(outbox, new RelaySettings(publisher, ordering, batchSize, maxBatchBytes,
                    maxInFlight, leaseTimeout, publishTimeout, minPollInterval, maxPollInterval, closeTimeout,
                    retention, retryPolicy, deadLetterPolicy, listeners, warnAfterAttempts, listenForNotifications,
                    relayId != null ? relayId : RelaySettings.defaultRelayId(), dataSource, jdbi));
        }
    }
}
