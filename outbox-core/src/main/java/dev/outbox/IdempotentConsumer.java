package dev.outbox;

import dev.outbox.internal.DeadLetterStore;
import dev.outbox.internal.MessageStore;
import dev.outbox.internal.TracePropagators;
import dev.outbox.jdbc.Dialects;
import dev.outbox.jdbc.JdbcDeduplicationStore;
import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PayloadCodec;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns at-least-once delivery into an exactly-once effect: runs a handler in a database transaction that also
 * records {@code (consumer name, message id)} in the deduplication store, so a redelivered message is recognised
 * and skipped. Broker bindings call {@link #process} for each message and act on the {@link ConsumeOutcome}.
 *
 * <pre>{@code
 * IdempotentConsumer consumer = IdempotentConsumer.builder("billing")
 *         .jdbi(jdbi)
 *         .handler(OrderPlaced.class, (order, message, handle) ->
 *                 handle.execute("INSERT INTO invoices (order_id, total) VALUES (?, ?)", order.id(), order.total()))
 *         .build();
 * }</pre>
 *
 * <p>Per message: begin → record the id (a duplicate commits nothing) → run the handler on the same handle →
 * commit. A handler exception rolls everything back, the dedup record included, and the message is tried again
 * after the {@link RetryPolicy}'s backoff, in process; after the {@link DeadLetterPolicy}'s attempts (broker
 * redeliveries counted) it is dead-lettered. Messages that cannot ever succeed are dead-lettered at once: no id
 * (unless a fallback id is configured), a payload that does not decode, or a handler that throws
 * {@link PoisonMessageException}. Database failures outside the handler leave the message unprocessed and
 * unacknowledged, never dead-lettered. Thread-safe: bindings may call {@code process} from several threads.
 */
public final class IdempotentConsumer implements MessageProcessor {
    /** Default in-process retry backoff: short, because the broker delivery waits meanwhile. */
    public static final RetryPolicy DEFAULT_RETRY = RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(2));
    /** Default attempts before dead-lettering: transient failures get a second and third chance. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Reason of a message that carries no id. */
    public static final String MISSING_ID = "missing message id";

    private static final Logger log = LoggerFactory.getLogger(IdempotentConsumer.class);

    private final String name;
    private final Jdbi jdbi;
    private final Handler handler;
    private final Class<?> payloadType;
    private final PayloadCodec codec;
    private final TableNames tables;
    private final Dialect configuredDialect;
    private final DeduplicationStore store;
    private final RetryPolicy retryPolicy;
    private final DeadLetterPolicy deadLetterPolicy;
    private final boolean deadLetterToDatabase;
    private final FallbackId fallbackId;
    private final List<ConsumerListener> listeners;
    private final TraceContextPropagator tracePropagator;
    private final Clock clock;

    private IdempotentConsumer(Builder b) {
        name = b.name;
        jdbi = b.jdbi != null ? b.jdbi : Jdbi.create(b.dataSource);
        handler = b.handler;
        payloadType = b.payloadType;
        codec = b.codec != null ? b.codec : JsonCodec.create();
        tables = b.tables;
        configuredDialect = b.dialect;
        clock = b.clock;
        store = b.store != null ? b.store : new JdbcDeduplicationStore(jdbi, tables, b.dialect, clock);
        retryPolicy = b.retryPolicy;
        deadLetterPolicy = b.deadLetterPolicy;
        deadLetterToDatabase = b.deadLetterToDatabase;
        fallbackId = b.fallbackId;
        listeners = List.copyOf(b.listeners);
        tracePropagator = b.tracePropagator != null ? b.tracePropagator : TracePropagators.detect();
    }

    /** A builder for a consumer named {@code name}: the name scopes deduplication, so keep it stable. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The deduplication store, e.g. to purge it on a schedule. */
    public DeduplicationStore deduplicationStore() {
        return store;
    }

    /**
     * Processes one received message: exactly once in effect, with in-process retries. Blocks during backoff; an
     * interrupt ends the retries with {@link ConsumeOutcome.NotProcessed}.
     */
    @Override
    public ConsumeOutcome process(InboundMessage received) {
        Objects.requireNonNull(received, "message");
        InboundMessage message = received;
        int attempt = Math.max(1, received.deliveryAttempt());
        if (message.id() == null) {
            if (fallbackId == null) {
                return deadLetter(message, MISSING_ID + ": the producer must set the " + Envelope.MESSAGE_ID
                        + " header, or configure a fallbackId", null, attempt);
            }
            message = message.withId(fallbackId.idFor(message));
        }
        if (message.id().length() > JdbcDeduplicationStore.MAX_ID_LENGTH) {
            return deadLetter(message, "message id is " + message.id().length() + " characters; the limit is "
                    + JdbcDeduplicationStore.MAX_ID_LENGTH, null, attempt);
        }
        Object payload = null;
        if (payloadType != null) {
            try {
                payload = codec.decode(message.payload(), payloadType);
            } catch (RuntimeException e) {
                return deadLetter(message, "payload could not be decoded as " + payloadType.getName() + ": "
                        + e.getMessage(), e, attempt);
            }
        }
        while (true) {
            Attempt result = attempt(message, payload);
            if (result.outcome() != null) {
                return result.outcome();
            }
            Throwable cause = result.failure();
            if (cause instanceof PoisonMessageException) {
                return deadLetter(message, cause.getMessage(), cause, attempt);
            }
            if (attempt >= deadLetterPolicy.maxAttempts()) {
                return deadLetter(message, "handler failed " + attempt + " time(s): " + cause, cause, attempt);
            }
            int failed = attempt;
            InboundMessage m = message;
            each(l -> l.retried(name, m, failed, cause));
            log.debug("Consumer {} failed message {} (attempt {}), retrying: {}", name, m.id(), failed, cause.toString());
            try {
                TimeUnit.MILLISECONDS.sleep(retryPolicy.backoff(attempt).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ConsumeOutcome.NotProcessed("interrupted while waiting to retry", e);
            }
            attempt++;
        }
    }

    /** One transaction: the outcome when it is final, or the handler's failure. */
    private Attempt attempt(InboundMessage message, Object payload) {
        long start = System.nanoTime();
        try (Handle handle = jdbi.open()) {
            try {
                handle.begin();
                if (!store.record(handle, name, message.id())) {
                    handle.rollback();
                    each(l -> l.duplicate(name, message));
                    return new Attempt(new ConsumeOutcome.Duplicate(), null);
                }
            } catch (RuntimeException e) {
                rollbackQuietly(handle);
                return new Attempt(new ConsumeOutcome.NotProcessed("deduplication store failed: " + e, e), null);
            }
            try {
                runHandler(message, payload, handle);
            } catch (Exception e) {
                rollbackQuietly(handle);
                return new Attempt(null, e);
            }
            try {
                handle.commit();
            } catch (RuntimeException e) {
                rollbackQuietly(handle);
                return new Attempt(new ConsumeOutcome.NotProcessed("commit failed: " + e, e), null);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            each(l -> l.processed(name, message, took));
            return new Attempt(new ConsumeOutcome.Processed(), null);
        } catch (RuntimeException e) {
            return new Attempt(new ConsumeOutcome.NotProcessed("database unavailable: " + e, e), null);
        }
    }

    private void runHandler(InboundMessage message, Object payload, Handle handle) throws Exception {
        MDC.put("outbox.messageId", message.id());
        if (message.correlationId() != null) {
            MDC.put("outbox.correlationId", message.correlationId());
        }
        TraceContextPropagator.Scope scope = message.traceparent() == null ? () -> { }
                : tracePropagator.makeCurrent(new TraceContext(message.traceparent(), message.tracestate()));
        try {
            handler.handle(message, payload, handle);
        } finally {
            scope.close();
            MDC.remove("outbox.messageId");
            MDC.remove("outbox.correlationId");
        }
    }

    private ConsumeOutcome deadLetter(InboundMessage message, String reason, Throwable cause, int attempts) {
        if (deadLetterToDatabase) {
            try {
                storeDeadLetter(message, reason, attempts);
            } catch (SQLException | RuntimeException e) {
                log.warn("Consumer {} could not store dead letter {}; leaving it unacknowledged: {}", name,
                        message.id(), e.toString());
                return new ConsumeOutcome.NotProcessed("could not store the dead letter: " + e, e);
            }
        }
        log.error("Consumer {} dead-lettered message {} from {} after {} attempt(s): {}", name, message.id(),
                message.destination(), attempts, reason);
        each(l -> l.deadLettered(name, message, reason));
        return new ConsumeOutcome.DeadLettered(reason, cause, attempts, deadLetterToDatabase);
    }

    private void storeDeadLetter(InboundMessage m, String reason, int attempts) throws SQLException {
        Instant now = clock.instant();
        OutboundMessage row = new OutboundMessage(databaseId(m), m.destination(), null, m.key(), 0, m.type(),
                m.contentType(), m.payload(), m.headers(), m.correlationId(), m.causationId(), m.traceparent(),
                m.tracestate(), m.createdAt() != null ? m.createdAt() : now, now, attempts);
        try (Handle handle = jdbi.open()) {
            Dialect dialect = configuredDialect != null ? configuredDialect : Dialects.detect(handle.getConnection());
            new DeadLetterStore(new MessageStore(dialect, tables), tables).insert(handle.getConnection(), null, row,
                    name, attempts, reason, now, false);
        }
    }

    /** The dead-letter table keys ids as UUIDs; other ids are mapped to a name-based UUID. */
    private static UUID databaseId(InboundMessage m) {
        if (m.id() != null) {
            try {
                return UUID.fromString(m.id());
            } catch (IllegalArgumentException notAUuid) {
                return UUID.nameUUIDFromBytes(m.id().getBytes(StandardCharsets.UTF_8));
            }
        }
        return UUID.nameUUIDFromBytes(m.payload());
    }

    private static void rollbackQuietly(Handle handle) {
        try {
            if (handle.isInTransaction()) {
                handle.rollback();
            }
        } catch (RuntimeException e) {
            log.debug("rollback failed: {}", e.toString());
        }
    }

    private void each(Consumer<ConsumerListener> call) {
        for (ConsumerListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("ConsumerListener {} failed: {}", l, e.toString());
            }
        }
    }

    private record Attempt(ConsumeOutcome outcome, Throwable failure) {
    }

    /** Handles a received message in the consumer's transaction. */
    @FunctionalInterface
    public interface MessageHandler {
        void handle(InboundMessage message, Handle handle) throws Exception;
    }

    /** Handles a decoded payload in the consumer's transaction. */
    @FunctionalInterface
    public interface TypedHandler<T> {
        void handle(T payload, InboundMessage message, Handle handle) throws Exception;
    }

    /** Gives a message without an id one, derived from its content. */
    @FunctionalInterface
    public interface FallbackId {
        String idFor(InboundMessage message);

        /** SHA-256 of destination and payload: equal messages are treated as duplicates of each other. */
        static FallbackId payloadHash() {
            return message -> {
                try {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    digest.update(message.destination().getBytes(StandardCharsets.UTF_8));
                    digest.update((byte) 0);
                    return "sha256:" + HexFormat.of().formatHex(digest.digest(message.payload()));
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("every JVM has SHA-256", e);
                }
            };
        }
    }

    @FunctionalInterface
    private interface Handler {
        void handle(InboundMessage message, Object payload, Handle handle) throws Exception;
    }

    /** Configures an {@link IdempotentConsumer}; {@link #build()} validates and runs no SQL. */
    public static final class Builder {
        private final String name;
        private Jdbi jdbi;
        private DataSource dataSource;
        private Handler handler;
        private Class<?> payloadType;
        private PayloadCodec codec;
        private TableNames tables = TableNames.defaults();
        private Dialect dialect;
        private DeduplicationStore store;
        private RetryPolicy retryPolicy = DEFAULT_RETRY;
        private DeadLetterPolicy deadLetterPolicy = DeadLetterPolicy.afterAttempts(DEFAULT_MAX_ATTEMPTS);
        private boolean deadLetterToDatabase;
        private FallbackId fallbackId;
        private final List<ConsumerListener> listeners = new ArrayList<>();
        private TraceContextPropagator tracePropagator;
        private Clock clock = Clock.systemUTC();

        private Builder(String name) {
            this.name = name;
        }

        public Builder jdbi(Jdbi jdbi) {
            this.jdbi = jdbi;
            return this;
        }

        public Builder dataSource(DataSource dataSource) {
            this.dataSource = dataSource;
            return this;
        }

        /** The handler, given the raw message and the transaction's handle. */
        public Builder handler(MessageHandler handler) {
            Objects.requireNonNull(handler, "handler");
            this.handler = (message, payload, handle) -> handler.handle(message, handle);
            this.payloadType = null;
            return this;
        }

        /** The handler of payloads decoded as {@code type} by the codec; undecodable payloads are dead-lettered. */
        public <T> Builder handler(Class<T> type, TypedHandler<T> handler) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            this.handler = (message, payload, handle) -> handler.handle(type.cast(payload), message, handle);
            this.payloadType = type;
            return this;
        }

        /** Decodes typed payloads; default {@link JsonCodec#create()}. */
        public Builder codec(PayloadCodec codec) {
            this.codec = codec;
            return this;
        }

        /** Table names of the deduplication and dead-letter tables. */
        public Builder tables(TableNames tables) {
            this.tables = tables;
            return this;
        }

        public Builder dialect(Dialect dialect) {
            this.dialect = dialect;
            return this;
        }

        /** Default: {@link JdbcDeduplicationStore} on the consumer's database. */
        public Builder deduplicationStore(DeduplicationStore store) {
            this.store = store;
            return this;
        }

        /** Backoff between in-process attempts; default 100 ms doubling to 2 s, with jitter. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

        /** Attempts before dead-lettering (broker redeliveries included); default 3. */
        public Builder deadLetterPolicy(DeadLetterPolicy deadLetterPolicy) {
            this.deadLetterPolicy = deadLetterPolicy;
            return this;
        }

        /**
         * Stores dead letters in the database dead-letter table (origin = consumer name) instead of leaving them to
         * the binding's broker dead-letter destination. Default false.
         */
        public Builder deadLetterToDatabase(boolean deadLetterToDatabase) {
            this.deadLetterToDatabase = deadLetterToDatabase;
            return this;
        }

        /** Gives messages without an id one instead of dead-lettering them, e.g. {@link FallbackId#payloadHash()}. */
        public Builder fallbackId(FallbackId fallbackId) {
            this.fallbackId = fallbackId;
            return this;
        }

        public Builder listener(ConsumerListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Restores the producer's trace context around the handler; default OpenTelemetry when present. */
        public Builder tracePropagator(TraceContextPropagator tracePropagator) {
            this.tracePropagator = tracePropagator;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Builds the consumer.
         *
         * @throws IllegalStateException naming what is missing: the database or the handler
         * @throws IllegalArgumentException when the name is blank or too long
         */
        public IdempotentConsumer build() {
            if (name == null || name.isBlank() || name.length() > JdbcDeduplicationStore.MAX_ID_LENGTH) {
                throw new IllegalArgumentException("IdempotentConsumer.builder(name): the name must be 1 to "
                        + JdbcDeduplicationStore.MAX_ID_LENGTH + " characters and stay the same across releases, "
                        + "as deduplication records are kept under it");
            }
            if ((jdbi == null) == (dataSource == null)) {
                throw new IllegalStateException("IdempotentConsumer.builder(\"" + name + "\") needs exactly one of "
                        + "jdbi(...) or dataSource(...): " + (jdbi == null ? "neither was set" : "both were set"));
            }
            if (handler == null) {
                throw new IllegalStateException("IdempotentConsumer.builder(\"" + name + "\").handler(...) is "
                        + "required");
            }
            Objects.requireNonNull(tables, "tables");
            Objects.requireNonNull(retryPolicy, "retryPolicy");
            Objects.requireNonNull(deadLetterPolicy, "deadLetterPolicy");
            Objects.requireNonNull(clock, "clock");
            return new IdempotentConsumer(this);
        }
    }
}
