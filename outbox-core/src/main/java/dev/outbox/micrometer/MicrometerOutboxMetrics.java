package dev.outbox.micrometer;

import dev.outbox.DeadLetterFilter;
import dev.outbox.DeadLetterGroup;
import dev.outbox.DestinationStats;
import dev.outbox.Outbox;
import dev.outbox.OutboxAdmin;
import dev.outbox.OutboxStats;
import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for an outbox and its relays (Micrometer is an optional dependency: add
 * {@code micrometer-core} to use this class). Register it as a relay listener:
 *
 * <pre>{@code
 * MicrometerOutboxMetrics metrics = new MicrometerOutboxMetrics(outbox, registry);
 * OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).listener(metrics).build();
 * }</pre>
 *
 * Meters, all tagged {@code table}:
 * <ul>
 *   <li>what this instance's relays did: counters {@code outbox.published} (tag {@code destination}),
 *       {@code outbox.retried} (tags {@code destination}, {@code reason}: {@code outage} when the broker was
 *       unavailable, else {@code failure}) and {@code outbox.dead.lettered} (tag {@code destination}); timers
 *       {@code outbox.publish.latency} (write to broker ack) and {@code outbox.batch} (tag {@code phase}: claim,
 *       publish, record);
 *   <li>the table, as every instance sees it: gauges {@code outbox.pending}, {@code outbox.oldest.age.seconds},
 *       {@code outbox.dead.letters}; per destination {@code outbox.destination.pending} and
 *       {@code outbox.destination.oldest.age.seconds} (tag {@code destination}); per origin
 *       {@code outbox.origin.dead.letters} (tag {@code origin}: {@code relay} or a consumer's name);
 *   <li>this JVM: gauge {@code outbox.in.flight}.
 * </ul>
 * The table gauges read snapshots ({@link OutboxAdmin#stats()}, {@link OutboxAdmin#pendingByDestination()},
 * {@link OutboxAdmin#deadLetterGroups}) taken at most once per {@link #DEFAULT_STATS_INTERVAL} however often the
 * registry is scraped; the per-destination and per-origin rows are refreshed by the relay's batches, or by
 * {@link #refresh()}. Gauges hold this object strongly and never read NaN. Table gauges are table-wide: every
 * instance reports the same value, so aggregate them with max, not sum.
 *
 * <p>Thread-safe: relays, writers and the registry's scrapes use one instance at once.
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
    private volatile @Nullable OutboxStats stats;
    private volatile long statsAt;
    private final String table;
    /** The admin behind the per-destination and per-origin gauges; null when built from a snapshot supplier. */
    private final @Nullable OutboxAdmin admin;
    private final MultiGauge destinationPending;
    private final MultiGauge destinationAge;
    private final MultiGauge originDeadLetters;
    private volatile long rowsAt;

    /** Meters for {@code outbox} on {@code registry}; gauges read {@code outbox.admin()}. */
    public MicrometerOutboxMetrics(Outbox outbox, MeterRegistry registry) {
        this(outbox.admin()::stats, outbox.tables().message(), registry, outbox.admin());
    }

    /**
     * Meters fed by {@code snapshot} (e.g. a shared, cached {@link OutboxAdmin#stats()}), tagged with
     * {@code table}.
     */
    public MicrometerOutboxMetrics(Supplier<OutboxStats> snapshot, String table, MeterRegistry registry) {
        this(snapshot, table, registry, null);
    }

    private MicrometerOutboxMetrics(Supplier<OutboxStats> snapshot, String table, MeterRegistry registry,
                                    @Nullable OutboxAdmin admin) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.table = table;
        this.admin = admin;
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
        destinationPending = MultiGauge.builder("outbox.destination.pending")
                .description("Messages not yet published, by destination").tag("table", table).register(registry);
        destinationAge = MultiGauge.builder("outbox.destination.oldest.age.seconds")
                .description("Age of the oldest pending message, by destination").tag("table", table)
                .register(registry);
        originDeadLetters = MultiGauge.builder("outbox.origin.dead.letters")
                .description("Messages in the dead-letter table, by origin").tag("table", table).register(registry);
        if (admin != null) {
            try {
                refresh();
            } catch (RuntimeException e) {
                // No schema yet, or no database: the rows appear at the next refresh.
                rowsAt = 0;
            }
        }
    }

    /**
     * Reads the per-destination and per-origin figures again now; the relay's batches call it at most once per
     * {@link #DEFAULT_STATS_INTERVAL}. Call it on a schedule in instances that run no relay.
     */
    public void refresh() {
        if (admin == null) {
            return;
        }
        rowsAt = System.nanoTime();
        List<DestinationStats> pending = admin.pendingByDestination();
        destinationPending.register(pending.stream().map(p -> MultiGauge.Row.of(Tags.of("destination",
                p.destination()), p.pending())).toList(), true);
        destinationAge.register(pending.stream().map(p -> MultiGauge.Row.of(Tags.of("destination",
                p.destination()), p.oldestPendingAge().toMillis() / 1000.0)).toList(), true);
        Map<String, Long> byOrigin = new TreeMap<>();
        for (DeadLetterGroup g : admin.deadLetterGroups(DeadLetterFilter.all())) {
            byOrigin.merge(g.origin(), g.count(), Long::sum);
        }
        originDeadLetters.register(byOrigin.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("origin",
                e.getKey()), e.getValue())).toList(), true);
    }

    @Override
    public void published(OutboundMessage message, Duration latency) {
        counter(published, "outbox.published", message.destination()).increment();
        this.latency.record(latency);
    }

    @Override
    public void retried(OutboundMessage message, int attempts, Throwable cause, Instant nextAttemptAt) {
        String reason = outage(cause) ? "outage" : "failure";
        retried.computeIfAbsent(message.destination() + '\n' + reason, k -> Counter.builder("outbox.retried")
                .tag("table", table).tag("destination", message.destination()).tag("reason", reason)
                .register(registry)).increment();
    }

    private static boolean outage(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BrokerUnavailableException) {
                return true;
            }
        }
        return false;
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
        if (admin != null && System.nanoTime() - rowsAt > DEFAULT_STATS_INTERVAL.toNanos()) {
            try {
                refresh();
            } catch (RuntimeException e) {
                rowsAt = System.nanoTime();
            }
        }
    }

    private Counter counter(ConcurrentMap<String, Counter> counters, String name, String destination) {
        return counters.computeIfAbsent(destination, d -> Counter.builder(name).tag("table", table)
                .tag("destination", d).register(registry));
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
