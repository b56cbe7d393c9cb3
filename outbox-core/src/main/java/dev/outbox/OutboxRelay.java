package dev.outbox;

import dev.outbox.internal.Claimed;
import dev.outbox.internal.DeadLetterStore;
import dev.outbox.internal.MessageStore;
import dev.outbox.internal.PartitionLeases;
import dev.outbox.internal.RelayStore;
import dev.outbox.internal.WakeSignal;
import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

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
 * <p>Connections: each in-flight batch holds one, plus one for claiming, one for the lease heartbeat (ordered) and
 * one for LISTEN (PostgreSQL): size the pool for {@code maxInFlightBatches + 3} beyond the application's needs.
 *
 * <p>Wake-up: on PostgreSQL the relay LISTENs for the writer's notification and publishes right after commit;
 * writes through a Jdbi handle or {@link Outbox#committed()} wake relays in the same JVM; otherwise it polls, fast
 * while there is work and backing off to {@link Builder#maxPollInterval} while idle.
 */
public final class OutboxRelay implements AutoCloseable {
    /** Messages claimed per batch: large enough to amortise the claim, small enough for one broker round trip. */
    public static final int DEFAULT_BATCH_SIZE = 500;
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
    /** While the broker is unavailable, retries back off like attempts 1 to 4 of the retry policy, no further. */
    private static final int OUTAGE_BACKOFF_STEPS = 4;

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final String ORIGIN = "relay";
    /** Rows an ordered claim reads per batch at most while looking for available key heads. */
    private static final int SCAN_FACTOR = 20;
    /** How often the notification listener checks whether the relay is closing. */
    private static final Duration LISTEN_TIMEOUT = Duration.ofMillis(500);
    /** Published rows purged per statement in retention mode. */
    private static final int PURGE_BATCH = 5_000;

    private final Outbox outbox;
    private final MessagePublisher publisher;
    private final Ordering ordering;
    private final int batchSize;
    private final int maxInFlight;
    private final Duration leaseTimeout;
    private final Duration publishTimeout;
    private final Duration minPoll;
    private final Duration maxPoll;
    private final Duration closeTimeout;
    private final Duration retention;
    private final RetryPolicy retryPolicy;
    private final DeadLetterPolicy deadLetterPolicy;
    private final List<OutboxListener> listeners;
    private final int warnAfterAttempts;
    private final boolean listen;
    private final String relayId;
    private final String threadPrefix;
    private String claimTimeout;

    private final WakeSignal wake = new WakeSignal();
    private final Semaphore slots;
    /** Batches in a row that found the broker unavailable; 0 after any ack. */
    private final AtomicInteger outageStreak = new AtomicInteger();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Runnable commitListener = wake::signal;
    private volatile boolean running;
    private RelayStore relayStore;
    private DeadLetterStore deadLetters;
    private PartitionLeases leases;
    private Thread loop;
    private Thread listener;
    private ExecutorService completions;
    private ScheduledExecutorService timer;

    private OutboxRelay(Builder b) {
        outbox = b.outbox;
        publisher = b.publisher;
        ordering = b.ordering;
        batchSize = b.batchSize;
        maxInFlight = b.maxInFlight;
        leaseTimeout = b.leaseTimeout;
        publishTimeout = b.publishTimeout;
        minPoll = b.minPollInterval;
        maxPoll = b.maxPollInterval;
        closeTimeout = b.closeTimeout;
        retention = b.retention;
        retryPolicy = b.retryPolicy;
        deadLetterPolicy = b.deadLetterPolicy;
        listeners = List.copyOf(b.listeners);
        warnAfterAttempts = b.warnAfterAttempts;
        listen = b.listenForNotifications;
        relayId = b.relayId != null ? b.relayId : defaultRelayId();
        threadPrefix = "outbox-relay-" + INSTANCES.incrementAndGet();
        slots = new Semaphore(maxInFlight);
    }

    /** A builder for a relay of {@code outbox}. */
    public static Builder builder(Outbox outbox) {
        return new Builder(Objects.requireNonNull(outbox, "outbox"));
    }

    /**
     * Checks the schema and starts the relay's threads: the claim loop, completion workers, the lease heartbeat
     * (ordered mode), the retention purge (retention mode) and the notification listener (PostgreSQL).
     *
     * @throws OutboxConfigurationException when the schema is incomplete
     * @throws IllegalStateException when started twice or after close
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("OutboxRelay " + relayId + " was already started"
                    + (closed.get() ? " and closed" : "") + "; build a new relay");
        }
        outbox.schema().verify();
        MessageStore messages;
        try {
            messages = outbox.withConnection((connection, store) -> store);
        } catch (SQLException e) {
            throw new OutboxStoreException("OutboxRelay cannot reach the database: " + e.getMessage(), e);
        }
        relayStore = new RelayStore(messages, outbox.tables());
        claimTimeout = messages.dialect().claimTimeoutStatement(leaseTimeout).orElse(null);
        deadLetters = new DeadLetterStore(messages, outbox.tables());
        running = true;
        completions = Executors.newFixedThreadPool(maxInFlight, threads(threadPrefix + "-complete-"));
        timer = Executors.newSingleThreadScheduledExecutor(threads(threadPrefix + "-timer"));
        if (ordering == Ordering.BY_KEY) {
            leases = new PartitionLeases(messages.dialect(), outbox.tables(), relayId, outbox.partitions(),
                    leaseTimeout, outbox.clock());
            heartbeat();
            long period = leaseTimeout.dividedBy(3).toMillis();
            timer.scheduleWithFixedDelay(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
        }
        if (!retention.isZero()) {
            long period = Math.max(1000, retention.dividedBy(10).toMillis());
            timer.scheduleWithFixedDelay(this::purgePublished, period, period, TimeUnit.MILLISECONDS);
        }
        outbox.addCommitListener(commitListener);
        if (listen && messages.dialect().wakeUpStatement().isPresent()) {
            listener = new Thread(() -> listenLoop(messages.dialect()), threadPrefix + "-listen");
            listener.setDaemon(true);
            listener.start();
        }
        loop = new Thread(this::claimLoop, threadPrefix);
        loop.start();
        log.info("Outbox relay {} started on {} ({} ordering, batch {}, {} in flight, dialect {})", relayId,
                outbox.tables().message(), ordering, batchSize, maxInFlight, messages.dialect().name());
    }

    /** This relay's id, as stored in leases. */
    public String relayId() {
        return relayId;
    }

    /** Closes with the configured close timeout; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(closeTimeout);
    }

    /**
     * Stops claiming, waits up to {@code timeout} for in-flight batches to complete, releases partition leases and
     * stops the relay's threads. Batches still in flight after the timeout keep their claims, which expire after
     * the lease timeout, so nothing is lost. Idempotent.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        stopped.countDown();
        if (!started.get()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        outbox.removeCommitListener(commitListener);
        wake.signal();
        try {
            loop.join(Math.max(1, timeout.toMillis()));
            boolean drained = slots.tryAcquire(maxInFlight, remaining(deadline), TimeUnit.NANOSECONDS);
            if (!drained) {
                log.warn("Outbox relay {} closed with batches still in flight; their claims expire in {}",
                        relayId, leaseTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        completions.shutdown();
        if (leases != null) {
            try {
                outbox.withConnection((connection, messages) -> {
                    leases.release(connection);
                    return null;
                });
            } catch (SQLException e) {
                log.warn("Outbox relay {} could not release its partition leases; they expire in {}: {}",
                        relayId, leaseTimeout, e.toString());
            }
        }
        stopListener();
        log.info("Outbox relay {} closed", relayId);
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private void claimLoop() {
        Duration idle = minPoll;
        while (running) {
            try {
                if (!slots.tryAcquire(maxPoll.toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                if (!running) {
                    slots.release();
                    break;
                }
                long claimStart = System.nanoTime();
                Claim claim;
                try {
                    claim = claim();
                } catch (SQLException | RuntimeException e) {
                    slots.release();
                    log.warn("Outbox relay {} could not claim messages, retrying in {}: {}", relayId, maxPoll,
                            e.toString());
                    wake.await(maxPoll);
                    continue;
                }
                if (claim == null) {
                    slots.release();
                    wake.await(idle);
                    idle = min(idle.multipliedBy(2), maxPoll);
                    continue;
                }
                idle = minPoll;
                dispatch(claim, System.nanoTime() - claimStart);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * Claims a batch in a new transaction that stays open, holding the rows' locks, until the batch's outcome is
     * recorded; null (and the transaction ended) when there is nothing to claim.
     */
    private Claim claim() throws SQLException {
        Set<Integer> owned = ordering == Ordering.BY_KEY ? leases.owned() : Set.of();
        if (ordering == Ordering.BY_KEY && owned.isEmpty()) {
            return null;
        }
        Instant now = outbox.clock().instant();
        Handle handle = outbox.jdbi().open();
        try {
            Connection c = handle.getConnection();
            c.setAutoCommit(false);
            if (c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            if (claimTimeout != null) {
                try (Statement statement = c.createStatement()) {
                    statement.execute(claimTimeout);
                }
            }
            List<Claimed> batch;
            if (ordering == Ordering.NONE) {
                batch = relayStore.claim(c, batchSize, now);
            } else {
                RelayStore.BlockedKeys blocked =
                        deadLetterPolicy.keyAfterDeadLetter() == DeadLetterPolicy.KeyAfterDeadLetter.BLOCK
                                ? deadLetters::blockedKeys : connection -> Set.of();
                batch = relayStore.claimHeads(c, owned, blocked, batchSize, batchSize * SCAN_FACTOR,
                        !retention.isZero(), now);
            }
            if (batch.isEmpty()) {
                end(handle, false);
                return null;
            }
            outbox.addInFlight(batch.size());
            return new Claim(handle, batch);
        } catch (SQLException | RuntimeException e) {
            end(handle, false);
            throw e;
        }
    }

    /** Commits or rolls back a claim transaction and gives its connection back; failures are only logged. */
    private void end(Handle handle, boolean commit) {
        try {
            Connection c = handle.getConnection();
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            log.warn("Outbox relay {} could not end a claim transaction: {}", relayId, e.toString());
        } finally {
            handle.close();
        }
    }

    private void dispatch(Claim claim, long claimNanos) {
        List<OutboundMessage> messages = new ArrayList<>(claim.batch().size());
        for (Claimed claimed : claim.batch()) {
            messages.add(claimed.message());
        }
        long publishStart = System.nanoTime();
        CompletableFuture<List<PublishResult>> published;
        try {
            published = publisher.publish(messages).toCompletableFuture();
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        }
        published.orTimeout(publishTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((results, error) -> {
                    try {
                        complete(claim, results, error, claimNanos, System.nanoTime() - publishStart);
                    } finally {
                        outbox.addInFlight(-claim.batch().size());
                        slots.release();
                        wake.signal();
                    }
                }, completions);
    }

    private void complete(Claim claim, List<PublishResult> results, Throwable error, long claimNanos,
                          long publishNanos) {
        List<Claimed> batch = claim.batch();
        long completeStart = System.nanoTime();
        Map<UUID, PublishResult> byId = new HashMap<>();
        if (results != null) {
            for (PublishResult result : results) {
                byId.put(result.messageId(), result);
            }
        }
        Instant now = outbox.clock().instant();
        List<Claimed> acked = new ArrayList<>();
        List<Retry> retries = new ArrayList<>();
        List<Retry> dead = new ArrayList<>();
        Throwable unavailable = null;
        for (Claimed claimed : batch) {
            UUID id = claimed.message().id();
            PublishResult result = error != null
                    ? PublishResult.failed(id, error)
                    : byId.getOrDefault(id, PublishResult.failed(id,
                            new IllegalStateException("the publisher returned no result for this message")));
            int attempts = claimed.message().attempts() + 1;
            if (result instanceof PublishResult.Failed f && brokerUnavailable(f.cause())) {
                // The broker's failure, not the message's: retried soon, and not counted as an attempt.
                if (unavailable == null) {
                    unavailable = f.cause();
                    outageStreak.incrementAndGet();
                }
                retries.add(new Retry(claimed, claimed.message().attempts(), describe(f.cause()), f.cause(),
                        now.plus(retryPolicy.backoff(Math.min(outageStreak.get(), OUTAGE_BACKOFF_STEPS)))));
            } else if (result instanceof PublishResult.Acked) {
                acked.add(claimed);
            } else if (result instanceof PublishResult.Failed f) {
                Retry retry = new Retry(claimed, attempts, describe(f.cause()), f.cause(),
                        now.plus(retryPolicy.backoff(attempts)));
                (attempts >= deadLetterPolicy.maxAttempts() ? dead : retries).add(retry);
            } else if (result instanceof PublishResult.Rejected r) {
                dead.add(new Retry(claimed, attempts, "rejected by the broker: " + r.reason()
                        + (r.cause() == null ? "" : " (" + describe(r.cause()) + ")"), r.cause(), now));
            }
        }
        for (Retry d : dead) {
            publishDeadLetterCopy(d);
        }
        boolean recorded = false;
        try {
            Connection c = claim.handle().getConnection();
            if (!acked.isEmpty()) {
                List<Long> seqs = acked.stream().map(Claimed::seq).toList();
                if (retention.isZero()) {
                    relayStore.delete(c, seqs);
                } else {
                    relayStore.markPublished(c, seqs, now);
                }
            }
            for (Retry r : retries) {
                relayStore.reschedule(c, r.claim(), r.attempts(), DeadLetterStore.truncate(r.error()),
                        r.nextAttemptAt());
            }
            boolean block = ordering == Ordering.BY_KEY
                    && deadLetterPolicy.keyAfterDeadLetter() == DeadLetterPolicy.KeyAfterDeadLetter.BLOCK;
            for (Retry d : dead) {
                relayStore.remove(c, d.claim());
                deadLetters.insert(c, d.claim().seq(), d.claim().message(), ORIGIN, d.attempts(), d.error(), now,
                        block && d.claim().message().key() != null);
            }
            recorded = true;
        } catch (SQLException | RuntimeException e) {
            log.warn("Outbox relay {} could not record the outcome of {} messages; they stay pending and will be "
                    + "published again: {}", relayId, batch.size(), e.toString());
        } finally {
            end(claim.handle(), recorded);
        }
        if (!recorded) {
            return;
        }
        if (!acked.isEmpty()) {
            outbox.recordPublished(now);
            outageStreak.set(0);
        }
        if (unavailable != null) {
            log.warn("Outbox relay {}: the broker is unavailable; messages are retried without counting attempts: {}",
                    relayId, describe(unavailable));
        }
        notifyListeners(acked, retries, dead, now, claimNanos, publishNanos, System.nanoTime() - completeStart);
    }

    private void notifyListeners(List<Claimed> acked, List<Retry> retries, List<Retry> dead, Instant now,
                                 long claimNanos, long publishNanos, long completeNanos) {
        for (Claimed claim : acked) {
            OutboundMessage m = claim.message();
            boolean delayed = m.attempts() == 0 && m.availableAt().isAfter(m.createdAt());
            Instant since = delayed ? m.availableAt() : m.createdAt();
            Duration latency = since.isAfter(now) ? Duration.ZERO : Duration.between(since, now);
            each(l -> l.published(m, latency));
        }
        for (Retry r : retries) {
            withMdc(r.claim().message(), () -> {
                if (r.attempts() >= warnAfterAttempts) {
                    log.warn("Outbox message {} failed attempt {} to {}; retrying at {}: {}",
                            r.claim().message().id(), r.attempts(), r.claim().message().destination(),
                            r.nextAttemptAt(), r.error());
                } else {
                    log.debug("Outbox message {} failed attempt {}; retrying at {}: {}", r.claim().message().id(),
                            r.attempts(), r.nextAttemptAt(), r.error());
                }
            });
            each(l -> l.retried(r.claim().message(), r.attempts(), r.cause(), r.nextAttemptAt()));
        }
        for (Retry d : dead) {
            withMdc(d.claim().message(), () -> log.error("Outbox message {} to {} dead-lettered after {} attempt(s): {}",
                    d.claim().message().id(), d.claim().message().destination(), d.attempts(), d.error()));
            each(l -> l.deadLettered(d.claim().message(), d.error()));
        }
        int size = acked.size() + retries.size() + dead.size();
        each(l -> l.batchCompleted(size, Duration.ofNanos(claimNanos), Duration.ofNanos(publishNanos),
                Duration.ofNanos(completeNanos)));
    }

    /** Publishes a copy of a dead letter to the policy's broker destination, if any; failures are only logged. */
    private void publishDeadLetterCopy(Retry dead) {
        OutboundMessage m = dead.claim().message();
        String destination = deadLetterPolicy.brokerDestination(m.destination());
        if (destination == null) {
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
        headers.put(Envelope.DEAD_LETTER_REASON, DeadLetterStore.truncate(dead.error()));
        headers.put(Envelope.ORIGINAL_DESTINATION, m.destination());
        headers.put(Envelope.ATTEMPTS, Integer.toString(dead.attempts()));
        OutboundMessage copy = new OutboundMessage(m.id(), destination, m.routingKey(), m.key(), m.partition(),
                m.type(), m.contentType(), m.payload(), headers, m.correlationId(), m.causationId(), m.traceparent(),
                m.tracestate(), m.createdAt(), m.availableAt(), dead.attempts());
        try {
            List<PublishResult> results = publisher.publish(List.of(copy)).toCompletableFuture()
                    .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (results.stream().noneMatch(r -> r instanceof PublishResult.Acked)) {
                log.warn("Outbox message {} was not accepted by dead-letter destination {}: {}; it stays in {}",
                        m.id(), destination, results, outbox.tables().deadLetter());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Outbox message {} could not be published to dead-letter destination {}; it stays in {}: {}",
                    m.id(), destination, outbox.tables().deadLetter(), e.toString());
        }
    }

    private void heartbeat() {
        try {
            outbox.withConnection((connection, messages) -> {
                leases.heartbeat(connection);
                return null;
            });
            wake.signal();
        } catch (SQLException | RuntimeException e) {
            log.warn("Outbox relay {} could not renew its partition leases: {}", relayId, e.toString());
        }
    }

    private void purgePublished() {
        try {
            Instant before = outbox.clock().instant().minus(retention);
            int purged;
            do {
                purged = outbox.withConnection((c, m) -> relayStore.purgePublished(c, before, PURGE_BATCH));
            } while (purged == PURGE_BATCH && running);
        } catch (SQLException | RuntimeException e) {
            log.warn("Outbox relay {} could not purge published messages: {}", relayId, e.toString());
        }
    }

    private void listenLoop(Dialect dialect) {
        while (running) {
            try (Handle handle = outbox.jdbi().open()) {
                Dialect.Notifications notifications = dialect.listen(handle.getConnection(),
                        outbox.tables().message()).orElseThrow();
                wake.signal();
                while (running) {
                    if (notifications.await(LISTEN_TIMEOUT)) {
                        wake.signal();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    log.warn("Outbox relay {} lost its notification connection, polling meanwhile: {}", relayId,
                            e.toString());
                    try {
                        stopped.await(maxPoll.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private void stopListener() {
        if (listener == null) {
            return;
        }
        try {
            listener.join(LISTEN_TIMEOUT.multipliedBy(4).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void each(Consumer<OutboxListener> call) {
        for (OutboxListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("OutboxListener {} failed: {}", l, e.toString());
            }
        }
    }

    private static void withMdc(OutboundMessage message, Runnable action) {
        MDC.put("outbox.messageId", message.id().toString());
        if (message.correlationId() != null) {
            MDC.put("outbox.correlationId", message.correlationId());
        }
        try {
            action.run();
        } finally {
            MDC.remove("outbox.messageId");
            MDC.remove("outbox.correlationId");
        }
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof CompletionException || root instanceof ExecutionException)) {
            root = root.getCause();
        }
        return root instanceof TimeoutException
                ? root + " (no broker answer within the publish timeout)"
                : root.toString();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    private static String defaultRelayId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        String id = host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }

    /** A failure of the broker rather than of the message: a {@link BrokerUnavailableException} or a timeout. */
    private static boolean brokerUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BrokerUnavailableException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private record Retry(Claimed claim, int attempts, String error, Throwable cause, Instant nextAttemptAt) {
    }

    /** A claimed batch and the open transaction that holds its rows. */
    private record Claim(Handle handle, List<Claimed> batch) {
    }

    /** Configures an {@link OutboxRelay}; {@link #build()} validates and starts nothing. */
    public static final class Builder {
        private final Outbox outbox;
        private MessagePublisher publisher;
        private Ordering ordering = Ordering.NONE;
        private int batchSize = DEFAULT_BATCH_SIZE;
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
        private String relayId;

        private Builder(Outbox outbox) {
            this.outbox = outbox;
        }

        /** Required: where messages go. */
        public Builder publisher(MessagePublisher publisher) {
            this.publisher = publisher;
            return this;
        }

        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Batches published concurrently by this relay. */
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

        /** A batch whose publish has not completed after this counts as failed; must be below the lease timeout. */
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

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

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
         * Builds the relay.
         *
         * @throws IllegalStateException when no publisher was set
         * @throws IllegalArgumentException naming the setting when a value is out of range
         */
        public OutboxRelay build() {
            if (publisher == null) {
                throw new IllegalStateException("OutboxRelay.builder(outbox).publisher(...) is required: "
                        + "a KafkaPublisher, RabbitPublisher, SqsPublisher or your own MessagePublisher");
            }
            Objects.requireNonNull(ordering, "ordering");
            Objects.requireNonNull(retryPolicy, "retryPolicy");
            Objects.requireNonNull(deadLetterPolicy, "deadLetterPolicy");
            positive("batchSize", batchSize, 10_000);
            positive("maxInFlightBatches", maxInFlight, 64);
            positive("leaseTimeout", leaseTimeout);
            positive("publishTimeout", publishTimeout);
            positive("minPollInterval", minPollInterval);
            positive("maxPollInterval", maxPollInterval);
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            if (retention == null || retention.isNegative()) {
                throw new IllegalArgumentException("OutboxRelay.builder().retention(" + retention
                        + ") must be zero (delete at once) or positive");
            }
            if (publishTimeout.compareTo(leaseTimeout) >= 0) {
                throw new IllegalArgumentException("OutboxRelay.builder().publishTimeout(" + publishTimeout
                        + ") must be shorter than leaseTimeout(" + leaseTimeout + "), or claims could expire while "
                        + "their publish is still in flight");
            }
            if (maxPollInterval.compareTo(minPollInterval) < 0) {
                throw new IllegalArgumentException("OutboxRelay.builder().maxPollInterval(" + maxPollInterval
                        + ") must be at least minPollInterval(" + minPollInterval + ")");
            }
            if (relayId != null && (relayId.isBlank() || relayId.length() > 64)) {
                throw new IllegalArgumentException("OutboxRelay.builder().relayId must be 1 to 64 characters");
            }
            return new OutboxRelay(this);
        }

        private static void positive(String name, int value, int max) {
            if (value < 1 || value > max) {
                throw new IllegalArgumentException("OutboxRelay.builder()." + name + "(" + value
                        + ") must be between 1 and " + max);
            }
        }

        private static void positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("OutboxRelay.builder()." + name + "(" + value
                        + ") must be positive");
            }
        }
    }
}
