package dev.outbox;

import dev.outbox.internal.Database;
import dev.outbox.internal.Texts;
import dev.outbox.internal.TracePropagators;
import dev.outbox.internal.consumer.ConsumerTransaction;
import dev.outbox.internal.consumer.DeadLetterRows;
import dev.outbox.internal.consumer.Failures;
import dev.outbox.internal.consumer.JdbiTransactions;
import dev.outbox.jdbc.JdbcDeduplicationStore;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.ConsumerTransactions;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.PayloadCodec;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.spi.TraceContextPropagator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

// Longer than most files: half of it is the builder's documented options; an attempt's transaction lives in
// internal.consumer.
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
    /** Default cap of a payload stored in the database dead-letter table: larger ones are cut, and the reason says so. */
    public static final int DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES = 1024 * 1024;
    /** Longest message id and consumer name, in UTF-16 units (what every dialect's inbox columns hold). */
    public static final int MAX_ID_LENGTH = 255;
    /** Reason of a message that carries no id. */
    public static final String MISSING_ID = "missing message id";

    private static final Logger log = LoggerFactory.getLogger(IdempotentConsumer.class);

    private final String name;
    private final Database database;
    private final ConsumerTransaction transaction;
    private final Handler handler;
    private final @Nullable Class<?> payloadType;
    private final PayloadCodec codec;
    private final DeduplicationStore store;
    private final RetryPolicy retryPolicy;
    private final DeadLetterPolicy deadLetterPolicy;
    private final boolean deadLetterToDatabase;
    private final int maxDeadLetterPayloadBytes;
    private final @Nullable FallbackId fallbackId;
    private final List<ConsumerListener> listeners;
    private final Clock clock;

    private IdempotentConsumer(Builder b) {
        name = b.name;
        Jdbi jdbi = b.jdbi != null ? b.jdbi : Jdbi.create(Objects.requireNonNull(b.dataSource, "dataSource"));
        database = new Database(jdbi, b.dialect, b.tables);
        handler = Objects.requireNonNull(b.handler, "handler");
        payloadType = b.payloadType;
        codec = b.codec != null ? b.codec : JsonCodec.create();
        clock = b.clock;
        store = b.store != null ? b.store : new JdbcDeduplicationStore(jdbi, b.tables, b.dialect, clock);
        retryPolicy = b.retryPolicy;
        deadLetterPolicy = b.deadLetterPolicy;
        deadLetterToDatabase = b.deadLetterToDatabase;
        maxDeadLetterPayloadBytes = b.maxDeadLetterPayloadBytes;
        fallbackId = b.fallbackId;
        listeners = List.copyOf(b.listeners);
        transaction = new ConsumerTransaction(b.transactions != null ? b.transactions : new JdbiTransactions(jdbi),
                store, name, b.tracePropagator != null ? b.tracePropagator
                : TracePropagators.detect());
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
     * interrupt ends the retries with {@link ConsumeOutcome.NotProcessed}. Never throws for anything the message
     * carries: an invalid id, an undecodable payload, a handler that throws (errors included) all end in an outcome.
     */
    @Override
    public ConsumeOutcome process(InboundMessage received) {
        if (received == null) {
            throw new IllegalArgumentException("IdempotentConsumer.process: message is null");
        }
        InboundMessage message = received;
        int attempt = Math.max(1, received.deliveryAttempt());
        if (message.id() == null) {
            if (fallbackId == null) {
                return deadLetter(message, MISSING_ID + ": the producer must set the " + Envelope.MESSAGE_ID
                        + " header, or configure a fallbackId", null, attempt);
            }
            try {
                message = message.withId(Objects.requireNonNull(fallbackId.idFor(message), "fallback id"));
            } catch (RuntimeException | StackOverflowError e) {
                return deadLetter(message, Reasons.of(MISSING_ID + " and the fallbackId failed", e), e, attempt);
            }
        }
        String id = Objects.requireNonNull(message.id(), "id");
        String invalid = invalidId(id);
        if (invalid != null) {
            return deadLetter(message, "invalid message id: " + invalid, null, attempt);
        }
        Object payload = null;
        if (payloadType != null) {
            try {
                payload = codec.decode(message.payload(), payloadType);
            } catch (RuntimeException | StackOverflowError e) {
                return deadLetter(message, Reasons.of("payload could not be decoded as " + payloadType.getName(), e),
                        e, attempt);
            }
            if (payload == null) {
                return deadLetter(message, "payload decoded as " + payloadType.getName() + " is null (e.g. the JSON"
                        + " text null): a typed handler is given a value", null, attempt);
            }
        }
        Object decoded = payload;
        while (true) {
            InboundMessage current = message;
            ConsumerTransaction.Result result = transaction.attempt(message, (m, h) -> handler.handle(m, decoded, h));
            if (result.outcome() instanceof ConsumeOutcome.Processed) {
                each(l -> l.processed(name, current, result.took()));
            } else if (result.outcome() instanceof ConsumeOutcome.Duplicate) {
                each(l -> l.duplicate(name, current));
            }
            if (result.outcome() != null) {
                return result.outcome();
            }
            Throwable cause = result.failure();
            if (cause instanceof PoisonMessageException) {
                return deadLetter(message, Reasons.text(String.valueOf(cause.getMessage()), Reasons.MAX_REASON),
                        cause, attempt);
            }
            SQLException dataError = Failures.dataError(cause);
            if (dataError != null) {
                return deadLetter(message, Reasons.of("the database refused the message's data", dataError), cause,
                        attempt);
            }
            if (attempt >= deadLetterPolicy.maxAttempts()) {
                return deadLetter(message, Reasons.of("handler failed " + attempt + " time(s)", cause), cause,
                        attempt);
            }
            int failed = attempt;
            InboundMessage m = message;
            each(l -> l.retried(name, m, failed, cause));
            log.debug("Consumer {} failed message {} (attempt {}), retrying: {}", name, Reasons.forLog(m.id()), failed,
                    Reasons.of(cause));
            try {
                TimeUnit.MILLISECONDS.sleep(backoff(attempt).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ConsumeOutcome.NotProcessed("interrupted while waiting to retry", e, true);
            }
            attempt++;
        }
    }

    /** Why {@code id} cannot be a message id, or null: blank, too long, or not printable text. */
    static @Nullable String invalidId(String id) {
        return Texts.invalidId(id, MAX_ID_LENGTH);
    }

    private Duration backoff(int failures) {
        try {
            Duration backoff = retryPolicy.backoff(failures);
            return backoff == null || backoff.isNegative() ? DEFAULT_RETRY.backoff(failures) : backoff;
        } catch (RuntimeException e) {
            log.warn("Consumer {}: RetryPolicy.backoff({}) threw {}; the default backoff was used", name, failures,
                    Reasons.of(e));
            return DEFAULT_RETRY.backoff(failures);
        }
    }

    private ConsumeOutcome deadLetter(InboundMessage message, String reason, @Nullable Throwable cause,
                                      int attempts) {
        ConsumeOutcome.DeadLettered dead = new ConsumeOutcome.DeadLettered(reason, cause, attempts, false);
        boolean stored = deadLetterToDatabase && storeDeadLetter(message, dead);
        log.error("Consumer {} dead-lettered message {} from {} after {} attempt(s): {}", name,
                Reasons.forLog(message.id()), Reasons.forLog(message.destination()), attempts, reason);
        each(l -> l.deadLettered(name, message, reason));
        return stored ? new ConsumeOutcome.DeadLettered(reason, cause, attempts, true) : dead;
    }

    /**
     * Stores a dead letter in the database dead-letter table (origin: this consumer's name), fitted to the table:
     * what does not fit is cut or dropped and the stored reason says so. False, logged, when the database refuses.
     */
    @Override
    public boolean storeDeadLetter(InboundMessage message, ConsumeOutcome.DeadLettered outcome) {
        return DeadLetterRows.store(database, name, message, outcome, maxDeadLetterPayloadBytes, clock.instant());
    }

    private void each(Consumer<ConsumerListener> call) {
        for (ConsumerListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException | LinkageError e) {
                log.warn("ConsumerListener {} failed: {}", l, e.toString());
            }
        }
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
        void handle(InboundMessage message, @Nullable Object payload, Handle handle) throws Exception;
    }

    /** Configures an {@link IdempotentConsumer}; {@link #build()} validates and runs no SQL. */
    public static final class Builder {
        private final String name;
        private @Nullable Jdbi jdbi;
        private @Nullable DataSource dataSource;
        private @Nullable Handler handler;
        private @Nullable Class<?> payloadType;
        private @Nullable PayloadCodec codec;
        private TableNames tables = TableNames.defaults();
        private @Nullable Dialect dialect;
        private @Nullable DeduplicationStore store;
        private RetryPolicy retryPolicy = DEFAULT_RETRY;
        private DeadLetterPolicy deadLetterPolicy = DeadLetterPolicy.afterAttempts(DEFAULT_MAX_ATTEMPTS);
        private boolean deadLetterToDatabase;
        private int maxDeadLetterPayloadBytes = DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES;
        private @Nullable FallbackId fallbackId;
        private final List<ConsumerListener> listeners = new ArrayList<>();
        private @Nullable TraceContextPropagator tracePropagator;
        private @Nullable ConsumerTransactions transactions;
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

        /**
         * The handler of payloads decoded as {@code type} by the codec; payloads that do not decode, or decode to
         * null (the JSON text {@code null}), are dead-lettered without calling it.
         */
        public <T> Builder handler(Class<T> type, TypedHandler<T> handler) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            this.handler = (message, payload, handle) -> handler.handle(type.cast(Objects.requireNonNull(payload)),
                    message, handle);
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

        /**
         * Largest payload stored with a dead letter in the database (default 1 MiB); a larger one is cut and the
         * dead letter's reason says so, so that one huge message never becomes a huge row.
         */
        public Builder maxDeadLetterPayloadBytes(int maxDeadLetterPayloadBytes) {
            this.maxDeadLetterPayloadBytes = maxDeadLetterPayloadBytes;
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

        /**
         * Runs each attempt in a transaction of a framework's (e.g. the Spring Boot starter's), so that the handler's
         * writes through the framework's tools commit with the deduplication record; default a Jdbi handle of the
         * consumer's own per attempt.
         */
        public Builder transactions(ConsumerTransactions transactions) {
            this.transactions = transactions;
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
            String invalid = name == null ? "it is null" : invalidId(name);
            if (invalid != null) {
                throw new IllegalArgumentException("IdempotentConsumer.builder(name): the name is not usable (" + invalid
                        + "); give 1 to " + MAX_ID_LENGTH + " printable characters that stay the same across releases, "
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
            required("tables", tables);
            required("retryPolicy", retryPolicy);
            required("deadLetterPolicy", deadLetterPolicy);
            required("clock", clock);
            if (maxDeadLetterPayloadBytes < 0) {
                throw new IllegalArgumentException("IdempotentConsumer.builder().maxDeadLetterPayloadBytes("
                        + maxDeadLetterPayloadBytes + ") must not be negative");
            }
            return new IdempotentConsumer(this);
        }

        private void required(String setting, Object value) {
            if (value == null) {
                throw new IllegalArgumentException("IdempotentConsumer.builder(\"" + name + "\")." + setting
                        + "(null): a value is required");
            }
        }
    }
}
