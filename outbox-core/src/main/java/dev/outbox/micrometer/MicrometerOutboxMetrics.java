package dev.outbox.micrometer;

import dev.outbox.Outbox;
import dev.outbox.OutboxAdmin;
import dev.outbox.OutboxStats;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for an outbox and its relays (Micrometer is an optional dependency: add
 * {@code micrometer-core} to use this class). Register it as a relay listener:
 *
 * <pre>{@code
 * MicrometerOutboxMetrics metrics = new MicrometerOutboxMetrics(outbox, registry);
 * OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).listener(metrics).build();
 * }</pre>
 *
 * Meters: counters {@code outbox.published}, {@code outbox.retried}, {@code outbox.dead.lettered} (tag
 * {@code destination}); timers {@code outbox.publish.latency} (write to broker ack) and {@code outbox.batch}
 * (tag {@code phase}: claim, publish, record); gauges {@code outbox.pending}, {@code outbox.oldest.age.seconds},
 * {@code outbox.in.flight} and {@code outbox.dead.letters}. The gauges read a statistics snapshot
 * ({@link OutboxAdmin#stats()}), taken at most once per {@link #DEFAULT_STATS_INTERVAL} however often the registry is
 * scraped; they hold this object strongly, so they keep reporting numbers whether or not the application keeps a
 * reference to it. Pending counts and ages are table-wide: every instance reports the same value, so aggregate them
 * with max, not sum.
 */
public final class MicrometerOutboxMetrics implements OutboxListener {
    /** Minimum time between two statistics queries behind the gauges. */
    public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(5);

    private final MeterRegistry registry;
    private final Supplier<OutboxStats> snapshot;
    private final ConcurrentMap<String, Counter> published = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> retried = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Timer latency;
    private final Timer claim;
    private final Timer publish;
    private final Timer record;
    private volatile OutboxStats stats;
    private volatile long statsAt;

    /** Meters for {@code outbox} on {@code registry}; gauges read {@code outbox.admin().stats()}. */
    public MicrometerOutboxMetrics(Outbox outbox, MeterRegistry registry) {
        this(outbox.admin()::stats, outbox.tables().message(), registry);
    }

    /**
     * Meters fed by {@code snapshot} (e.g. a shared, cached {@link OutboxAdmin#stats()}), tagged with
     * {@code table}.
     */
    public MicrometerOutboxMetrics(Supplier<OutboxStats> snapshot, String table, MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        latency = Timer.builder("outbox.publish.latency").description("Time from write to broker ack")
                .tag("table", table).publishPercentileHistogram().register(registry);
        claim = batchTimer("claim", table);
        publish = batchTimer("publish", table);
        record = batchTimer("record", table);
        gauge("outbox.pending", "Messages not yet published", table, s -> s.pending());
        gauge("outbox.oldest.age.seconds", "Age of the oldest pending message", table,
                s -> s.oldestPendingAge().toMillis() / 1000.0);
        gauge("outbox.in.flight", "Messages being published by relays in this JVM", table, s -> s.inFlight());
        gauge("outbox.dead.letters", "Messages in the dead-letter table", table, s -> s.deadLetters());
    }

    @Override
    public void published(OutboundMessage message, Duration latency) {
        counter(published, "outbox.published", message.destination()).increment();
        this.latency.record(latency);
    }

    @Override
    public void retried(OutboundMessage message, int attempts, Throwable cause, Instant nextAttemptAt) {
        counter(retried, "outbox.retried", message.destination()).increment();
    }

    @Override
    public void deadLettered(OutboundMessage message, String reason) {
        counter(deadLettered, "outbox.dead.lettered", message.destination()).increment();
    }

    @Override
    public void batchCompleted(int size, Duration claim, Duration publish, Duration complete) {
        this.claim.record(claim);
        this.publish.record(publish);
        this.record.record(complete);
    }

    private Counter counter(ConcurrentMap<String, Counter> counters, String name, String destination) {
        return counters.computeIfAbsent(destination, d -> Counter.builder(name).tag("destination", d)
                .register(registry));
    }

    private Timer batchTimer(String phase, String table) {
        return Timer.builder("outbox.batch").description("Time per relay batch and phase").tag("phase", phase)
                .tag("table", table).register(registry);
    }

    private void gauge(String name, String description, String table, ToDoubleFunction<OutboxStats> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.stats())).description(description).tag("table", table)
                .strongReference(true).register(registry);
    }

    private OutboxStats stats() {
        long now = System.nanoTime();
        if (stats == null || now - statsAt > DEFAULT_STATS_INTERVAL.toNanos()) {
            stats = snapshot.get();
            statsAt = now;
        }
        return stats;
    }
}
