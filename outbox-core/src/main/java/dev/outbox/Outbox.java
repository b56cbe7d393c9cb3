package dev.outbox;

import dev.outbox.internal.Database;
import dev.outbox.internal.MessageStore;
import dev.outbox.internal.MessageValidator;
import dev.outbox.internal.NotifyThrottle;
import dev.outbox.internal.OutboxRuntime;
import dev.outbox.internal.Partitions;
import dev.outbox.internal.TracePropagators;
import dev.outbox.internal.UuidV7;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PayloadCodec;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

// Longer than most files: the four ways to write (connection, Jdbi handle, connection supplier, batches) share
// one validation, and the builder documents every option.
/**
 * The outbox writer: stores messages in the caller's transaction, so that a message exists if and only if that
 * transaction commits.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.builder().dataSource(dataSource).build();
 * connection.setAutoCommit(false);
 * insertOrder(connection, order);
 * outbox.write(connection, OutboxMessage.builder().destination("orders").key(order.id())
 *         .type("OrderPlaced").payload(order).build());
 * connection.commit();
 * }</pre>
 *
 * <p>The writer joins the transaction it is given and never commits, rolls back or closes it. A connection in
 * auto-commit mode is rejected (the message would commit apart from the business change) unless
 * {@link Builder#allowAutoCommit(boolean)} says otherwise. Messages are validated before any SQL runs; a batch
 * is written whole or not at all. Each message gets a time-ordered UUIDv7 id, returned by {@code write}.
 *
 * <p>Thread-safe; build one per database and share it.
 */
public final class Outbox {
    /** Default payload limit: Kafka's default maximum record size, and far above typical events. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
    /** Default limit of delayed delivery: a year out is almost always a unit mistake (ms vs s). */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofDays(365);
    /** Default partition count: lets up to 32 ordered relay instances share the work; change only when drained. */
    public static final int DEFAULT_PARTITIONS = 32;
    /** Default of {@link Builder#notifyInterval}: at most one notifying write transaction per millisecond. */
    public static final Duration DEFAULT_NOTIFY_INTERVAL = Duration.ofMillis(1);
    /** Longest {@link Builder#notifyInterval}: beyond it, turn notifications off and rely on polling. */
    public static final Duration MAX_NOTIFY_INTERVAL = Duration.ofSeconds(1);

    private final OutboxRuntime runtime;
    private final PayloadCodec codec;
    private final TraceContextPropagator tracePropagator;
    private final @Nullable ConnectionSupplier connectionSupplier;
    private final boolean allowAutoCommit;
    private final boolean notifyRelays;
    private final NotifyThrottle notifyThrottle;
    private final MessageValidator validator;
    private final UuidV7 ids;

    private Outbox(Builder b) {
        Jdbi jdbi = b.jdbi != null ? b.jdbi : Jdbi.create(b.dataSource);
        tracePropagator = b.tracePropagator != null ? b.tracePropagator : TracePropagators.detect();
        runtime = new OutboxRuntime(new Database(jdbi, b.dataSource, b.dialect, b.tables), b.dataSource, b.clock, b.partitions,
                tracePropagator);
        codec = b.codec != null ? b.codec : JsonCodec.create();
        connectionSupplier = b.connectionSupplier;
        allowAutoCommit = b.allowAutoCommit;
        notifyRelays = b.notifyRelays;
        notifyThrottle = new NotifyThrottle(b.notifyInterval);
        validator = new MessageValidator(b.maxPayloadBytes, b.maxDelay, b.tables);
        ids = new UuidV7(b.clock);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Stores one message in the transaction of {@code connection}.
     *
     * @return the message id
     * @throws IllegalArgumentException when the message breaks a limit; nothing was written
     * @throws OutboxConfigurationException when the connection is in auto-commit mode (and that is not allowed)
     * @throws OutboxStoreException when the database rejects the insert; roll the transaction back
     */
    public UUID write(Connection connection, OutboxMessage message) {
        return writeAll(connection, Collections.singletonList(message)).get(0);
    }

    /** Stores the messages in the transaction of {@code connection} as one JDBC batch: all or none are valid. */
    public List<UUID> writeAll(Connection connection, List<OutboxMessage> messages) {
        if (connection == null) {
            throw new IllegalArgumentException("Outbox.write: connection is null; pass the connection of your "
                    + "open transaction");
        }
        if (messages == null) {
            throw new IllegalArgumentException("Outbox.writeAll: messages is null; pass a list (it may be empty)");
        }
        if (messages.isEmpty()) {
            return List.of();
        }
        List<OutboundMessage> rows;
        try {
            MessageStore target = runtime.database().stores(connection).messages();
            rows = prepare(messages, target.dialect());
            requireTransaction(connection);
            target.insert(connection, rows, notifyRelays && notifyThrottle.acquire());
        } catch (SQLException e) {
            throw new OutboxStoreException("Could not write " + messages.size() + " outbox message(s) to "
                    + runtime.database().tables().message() + ": " + Reasons.of(e)
                    + (isMissingTable(e) ? ". Does the schema exist? outbox.schema().verify() says what is missing" : "")
                    + ". The library did not end the transaction: roll it back", e);
        }
        return rows.stream().map(OutboundMessage::id).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Stores one message in the transaction of a Jdbi handle (e.g. inside {@code jdbi.useTransaction}); relays
     * of this outbox in this JVM are woken when the handle commits.
     */
    public UUID write(Handle handle, OutboxMessage message) {
        return writeAll(handle, Collections.singletonList(message)).get(0);
    }

    /** Stores the messages in the transaction of a Jdbi handle as one JDBC batch; wakes relays at commit. */
    public List<UUID> writeAll(Handle handle, List<OutboxMessage> messages) {
        if (handle == null) {
            throw new IllegalArgumentException("Outbox.write: handle is null; pass the Jdbi handle of your open "
                    + "transaction");
        }
        List<UUID> ids = writeAll(handle.getConnection(), messages);
        if (!ids.isEmpty() && runtime.hasCommitListeners()) {
            handle.afterCommit(this::committed);
        }
        return ids;
    }

    /**
     * Stores one message in the current transaction, as given by the configured {@link ConnectionSupplier}.
     *
     * @throws IllegalStateException when no connection supplier was configured
     */
    public UUID write(OutboxMessage message) {
        return writeAll(Collections.singletonList(message)).get(0);
    }

    /** Stores the messages in the current transaction, as given by the configured {@link ConnectionSupplier}. */
    public List<UUID> writeAll(List<OutboxMessage> messages) {
        if (connectionSupplier == null) {
            throw new IllegalStateException("Outbox.write(message) needs the current transaction's connection: "
                    + "configure Outbox.builder().connectionSupplier(...), or call write(connection, message)");
        }
        Connection connection;
        try {
            connection = connectionSupplier.get();
        } catch (SQLException e) {
            throw new OutboxStoreException("The connection supplier failed: " + e.getMessage(), e);
        }
        try {
            List<UUID> ids = writeAll(connection, messages);
            if (!ids.isEmpty() && runtime.hasCommitListeners()) {
                connectionSupplier.afterCommit(this::committed);
            }
            return ids;
        } finally {
            try {
                connectionSupplier.release(connection);
            } catch (SQLException e) {
                throw new OutboxStoreException("The connection supplier failed to release: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Tells the relays of this outbox running in this JVM that a transaction with messages has committed, so they
     * publish at once instead of at their next poll. Writes through a Jdbi handle or a {@link ConnectionSupplier}
     * that supports {@link ConnectionSupplier#afterCommit} do this themselves; call it after committing a plain
     * JDBC transaction when latency matters and the database has no notifications (PostgreSQL has).
     */
    public void committed() {
        runtime.committed();
    }

    /** Administration: statistics, dead letters, replay and purge. */
    public OutboxAdmin admin() {
        return new OutboxAdmin(runtime);
    }

    /** Creates, checks and prints the outbox tables. */
    public OutboxSchema schema() {
        return new OutboxSchema(runtime.database());
    }

    /**
     * The outbox partition a key maps to (stable across JVMs and releases): the unit an ordered relay leases, so
     * keys of one partition are published by one relay at a time.
     */
    public int partitionOf(String key) {
        if (key == null) {
            throw new IllegalArgumentException("Outbox.partitionOf(null): keyless messages have no fixed partition");
        }
        return Partitions.of(key, null, runtime.partitions());
    }

    /** The configured table names. */
    public TableNames tables() {
        return runtime.database().tables();
    }

    /** The state relays, admin and schema share with this writer; internal. */
    OutboxRuntime runtime() {
        return runtime;
    }

    private List<OutboundMessage> prepare(List<OutboxMessage> messages, Dialect dialect) {
        Instant now = runtime.clock().instant().truncatedTo(ChronoUnit.MICROS);
        List<OutboundMessage> rows = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            OutboxMessage message = messages.get(i);
            if (message == null) {
                throw new IllegalArgumentException("Outbox.writeAll: message " + i + " of " + messages.size()
                        + " is null; nothing was written");
            }
            rows.add(prepare(message, now, dialect));
        }
        return rows;
    }

    private OutboundMessage prepare(OutboxMessage m, Instant now, Dialect dialect) {
        validator.validateFields(m, dialect);
        byte[] raw = m.rawPayloadBytes();
        byte[] payload = raw != null ? raw : codec.encode(Objects.requireNonNull(m.payload(), "payload"));
        validator.validatePayload(payload);
        String traceparent = m.traceparent();
        String tracestate = m.tracestate();
        if (traceparent == null && tracestate == null) {
            TraceContext written = tracePropagator.written(m.destination()).orElse(null);
            if (written != null) {
                traceparent = written.traceparent();
                tracestate = written.tracestate();
            }
        }
        validator.validateTrace(traceparent, tracestate);
        Instant availableAt = m.availableAt() != null ? m.availableAt().truncatedTo(ChronoUnit.MICROS)
                : m.delay() != null ? now.plus(m.delay()).truncatedTo(ChronoUnit.MICROS) : now;
        validator.validateAvailableAt(availableAt, now);
        UUID id = ids.next();
        return new OutboundMessage(id, m.destination(), m.routingKey(), m.key(),
                Partitions.of(m.key(), id, runtime.partitions()), m.type(),
                raw != null ? m.contentType() : codec.contentType(), payload, m.headers(), m.correlationId(),
                m.causationId(), traceparent, tracestate, now, availableAt, 0);
    }

    private void requireTransaction(Connection connection) throws SQLException {
        if (!allowAutoCommit && connection.getAutoCommit()) {
            throw new OutboxConfigurationException("Outbox.write was given a connection in auto-commit mode: the "
                    + "message would commit on its own, apart from your business change, and either could be lost. "
                    + "Write inside your transaction (connection.setAutoCommit(false), jdbi.useTransaction, Spring "
                    + "@Transactional), or opt out of this check with Outbox.builder().allowAutoCommit(true)");
        }
    }

    /** SQLState class 42 covers undefined table/column on PostgreSQL, MySQL/MariaDB and H2. */
    private static boolean isMissingTable(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("42");
    }

    /**
     * Configures an {@link Outbox}. {@link #build()} validates the settings, and runs no SQL: the dialect is
     * detected on first use, the schema is created only by {@link OutboxSchema#create()}.
     */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable Jdbi jdbi;
        private @Nullable Dialect dialect;
        private TableNames tables = TableNames.defaults();
        private @Nullable PayloadCodec codec;
        private @Nullable TraceContextPropagator tracePropagator;
        private @Nullable ConnectionSupplier connectionSupplier;
        private boolean allowAutoCommit;
        private boolean notifyRelays = true;
        private Duration notifyInterval = DEFAULT_NOTIFY_INTERVAL;
        private int partitions = DEFAULT_PARTITIONS;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The database of the outbox; relays and schema operations take connections from it. */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = dataSource;
            return this;
        }

        /** The database of the outbox, as a Jdbi instance (alternative to {@link #dataSource}). */
        public Builder jdbi(Jdbi jdbi) {
            this.jdbi = jdbi;
            return this;
        }

        /** The SQL dialect; detected from the database when not set. */
        public Builder dialect(Dialect dialect) {
            this.dialect = dialect;
            return this;
        }

        public Builder tables(TableNames tables) {
            this.tables = tables;
            return this;
        }

        /** Encodes {@link OutboxMessage.Builder#payload(Object)} values; default {@link JsonCodec#create()}. */
        public Builder codec(PayloadCodec codec) {
            this.codec = codec;
            return this;
        }

        /** Captures the caller's trace context; default: OpenTelemetry when on the classpath, else none. */
        public Builder tracePropagator(TraceContextPropagator tracePropagator) {
            this.tracePropagator = tracePropagator;
            return this;
        }

        /** Supplies the current transaction's connection for {@link Outbox#write(OutboxMessage)}. */
        public Builder connectionSupplier(ConnectionSupplier connectionSupplier) {
            this.connectionSupplier = connectionSupplier;
            return this;
        }

        /**
         * Accepts connections in auto-commit mode (default false). Only for callers who write the outbox as the
         * sole change of their unit of work: otherwise the business change and the message commit separately.
         */
        public Builder allowAutoCommit(boolean allowAutoCommit) {
            this.allowAutoCommit = allowAutoCommit;
            return this;
        }

        /**
         * Whether writes notify listening relays at commit (PostgreSQL {@code pg_notify}; default true). Turn off
         * when relays poll anyway and the notification's commit-time lock shows up under heavy write load.
         */
        public Builder notifyRelays(boolean notifyRelays) {
            this.notifyRelays = notifyRelays;
            return this;
        }

        /**
         * At most one write transaction of this outbox per interval notifies relays (default 1 ms; zero: every one
         * does).
         * On PostgreSQL each notifying transaction takes a database-wide lock at commit, so concurrent notifying
         * writers commit one at a time; with an interval, the writes in between do not notify, and a relay finds
         * them at its next poll, which follows work within {@code minPollInterval} (10 ms by default) and comes
         * within {@code maxPollInterval} (1 s) at worst, e.g. when the transaction that did notify rolled back.
         */
        public Builder notifyInterval(Duration notifyInterval) {
            this.notifyInterval = notifyInterval;
            return this;
        }

        /** Number of outbox partitions keys are hashed into (default {@value Outbox#DEFAULT_PARTITIONS}). */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Largest encoded payload accepted, in bytes (default 1 MiB). */
        public Builder maxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /** Furthest delayed delivery accepted (default 365 days). */
        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Builds the writer.
         *
         * @throws IllegalStateException when neither or both of dataSource and jdbi are set
         * @throws IllegalArgumentException naming the setting when a value is out of range
         */
        public Outbox build() {
            if ((dataSource == null) == (jdbi == null)) {
                throw new IllegalStateException("Outbox.builder() needs exactly one of dataSource(...) or jdbi(...): "
                        + (dataSource == null ? "neither was set" : "both were set"));
            }
            Objects.requireNonNull(tables, "tables");
            Objects.requireNonNull(clock, "clock");
            if (partitions < 1 || partitions > 4096) {
                throw new IllegalArgumentException("Outbox.builder().partitions(" + partitions
                        + ") must be between 1 and 4096");
            }
            if (maxPayloadBytes < 1) {
                throw new IllegalArgumentException("Outbox.builder().maxPayloadBytes(" + maxPayloadBytes
                        + ") must be positive");
            }
            if (notifyInterval == null || notifyInterval.isNegative()
                    || notifyInterval.compareTo(MAX_NOTIFY_INTERVAL) > 0) {
                throw new IllegalArgumentException("Outbox.builder().notifyInterval(" + notifyInterval
                        + ") must be between zero (every write notifies) and " + MAX_NOTIFY_INTERVAL);
            }
            if (maxDelay == null || maxDelay.isNegative()) {
                throw new IllegalArgumentException("Outbox.builder().maxDelay(" + maxDelay
                        + ") must be zero or positive");
            }
            return new Outbox(this);
        }
    }
}
