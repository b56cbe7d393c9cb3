package dev.outbox.examples.bench;

import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.rabbitmq.RabbitTopology;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;

/**
 * The relay beside a hand-written minimal relay and the raw client, for each broker, in one run on one machine:
 * throughput (msg/s and the ratios), CPU microseconds and bytes allocated per message in this JVM, SQL statements
 * and round trips per batch, unordered and ordered by key, 1 and 2 relays, a large backlog, and commit-to-ack
 * latency at steady rates. Every relay here runs with its defaults (batches of up to 2000, 4 in flight); the
 * hand-written relay with the same batch size and as many threads. For no-op and Kafka both also run at batch 500.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.RelayBench</pre>
 *
 * Arguments: messages per drain (default 200000), brokers (default {@code noop,kafka,rabbit,rabbit-quorum,sqs}),
 * latency seconds per rate (default 10), messages of the large backlog run (default 1000000; 0 skips it).
 * Database: {@code OUTBOX_BENCH_POSTGRES_URL}, else {@code OUTBOX_TEST_POSTGRES_URL}, else the local default.
 */
public final class RelayBench {
    private static final int BATCH = OutboxRelay.DEFAULT_BATCH_SIZE;
    private static final int SMALL_BATCH = 500;
    private static final int LANES = 4;
    private static final int COUNTED = 20_000;
    /** Runs of each drain; the median is printed (this 2-core machine also runs the database and the brokers). */
    private static final int REPEATS = 3;
    /** Messages each relay drains before anything is measured: the brokers' JVMs warm up over about this many. */
    private static final int WARM_UP = 200_000;

    private RelayBench() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        List<String> sinks = List.of((args.length > 1 ? args[1] : "noop,kafka,rabbit,rabbit-quorum,sqs").split(","));
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int big = args.length > 3 ? Integer.parseInt(args[3]) : 1_000_000;
        try (BenchDatabase db = new BenchDatabase("relay", 16)) {
            System.out.printf("Relay benchmark on %s, %d messages of %d bytes per drain, %d keys, %d cores%n",
                    db.describe(), messages, Messages.PAYLOAD_BYTES, Messages.KEYS,
                    Runtime.getRuntime().availableProcessors());
            for (String name : sinks) {
                try (Sink sink = sink(name)) {
                    run(db, sink, messages, seconds, name.equals("noop") ? big : 0, name.equals("noop")
                            || name.equals("kafka"));
                }
            }
        }
    }

    private static Sink sink(String name) throws Exception {
        return switch (name) {
            case "noop" -> new NoOpSink();
            case "kafka" -> new KafkaSink();
            case "rabbit" -> new RabbitSink(RabbitTopology.QueueType.CLASSIC);
            case "rabbit-quorum" -> new RabbitSink(RabbitTopology.QueueType.QUORUM);
            case "sqs" -> new SqsSink();
            default -> throw new IllegalArgumentException("unknown broker " + name
                    + ": use noop, kafka, rabbit, rabbit-quorum or sqs");
        };
    }

    private static void run(BenchDatabase db, Sink sink, int messages, int seconds, int big, boolean more)
            throws Exception {
        DataSource ds = db.dataSource();
        Outbox outbox = Outbox.builder().dataSource(ds).build();
        outbox.schema().create();
        String table = outbox.tables().message();
        String destination = sink.destination("outbox-bench");
        System.out.printf("%n== %s ==%n", sink.name());
        System.out.printf("%-36s %10s %8s %8s %10s %12s%n", "", "msg/s", "ratio", "to", "CPU us/msg", "alloc B/msg");

        double raw = sink.rawRate(destination, messages);
        if (raw > 0) {
            sink.purge(destination);
            row("raw client, from memory", new Measured(raw, null, null), Double.NaN, "");
        }
        // Both relays warm up (JIT, caches, broker) before anything is measured.
        hand(ds, table, sink, destination, BATCH, WARM_UP, HandWrittenRelay.Columns.MINIMAL);
        Messages.truncate(ds, outbox);
        Messages.prefill(ds, outbox, WARM_UP, destination);
        LibraryRelay.Drain warm = LibraryRelay.drain(outbox, sink.publisher(), Ordering.NONE, BATCH, 1, WARM_UP);
        sink.purge(destination);
        System.out.printf(Locale.ROOT, "(library relay: %.0f ms from build to first claim, once per relay: schema and"
                + " pool checks; its rates are timed from the first claim)%n", warm.startupSeconds() * 1e3);
        // The variants run interleaved, round after round, so that drift of the machine or the broker (log segments,
        // caches, a neighbour's load) falls on all of them alike; each row is the median of its rounds.
        Map<String, Run> variants = new LinkedHashMap<>();
        variants.put("hand", () -> hand(ds, table, sink, destination, BATCH, messages,
                HandWrittenRelay.Columns.MINIMAL));
        variants.put("none", () -> drain(ds, outbox, sink, destination, Ordering.NONE, BATCH, 1, messages));
        variants.put("byKey", () -> drain(ds, outbox, sink, destination, Ordering.BY_KEY, BATCH, 1, messages));
        if (more) {
            variants.put("two", () -> drain(ds, outbox, sink, destination, Ordering.NONE, BATCH, 2, messages));
            variants.put("smallHand", () -> hand(ds, table, sink, destination, SMALL_BATCH, messages,
                    HandWrittenRelay.Columns.MINIMAL));
            variants.put("everyHand", () -> hand(ds, table, sink, destination, BATCH, messages,
                    HandWrittenRelay.Columns.EVERY));
            variants.put("small", () -> drain(ds, outbox, sink, destination, Ordering.NONE, SMALL_BATCH, 1, messages));
        }
        Map<String, Measured> m = medians(variants);
        Measured handWritten = m.get("hand");
        double handRate = handWritten.rate();
        row("hand-written relay", handWritten, raw > 0 ? handRate / raw : Double.NaN, "raw");
        Measured none = m.get("none");
        row("library relay, NONE", none, none.rate() / handRate, "hand");
        if (raw > 0) {
            row("", new Measured(none.rate(), null, null), none.rate() / raw, "raw");
        }
        Measured byKey = m.get("byKey");
        row("library relay, BY_KEY", byKey, byKey.rate() / none.rate(), "NONE");
        if (more) {
            row("library relay, NONE, 2 relays", m.get("two"), m.get("two").rate() / none.rate(), "1 relay");
            Measured smallHand = m.get("smallHand");
            row("hand-written relay, batch " + SMALL_BATCH, smallHand, smallHand.rate() / handRate, "batch " + BATCH);
            row("library relay, NONE, batch " + SMALL_BATCH, m.get("small"), m.get("small").rate() / smallHand.rate(),
                    "hand");
            Measured everyHand = m.get("everyHand");
            row("hand-written relay, every column", everyHand, everyHand.rate() / handRate, "hand");
            row("library relay, NONE", new Measured(none.rate(), null, null), none.rate() / everyHand.rate(),
                    "hand, all");
        }
        if (big > 0) {
            Measured large = drain(ds, outbox, sink, destination, Ordering.NONE, BATCH, 1, big);
            row("library relay, NONE, " + big / 1000 + "k backlog", large, large.rate() / none.rate(),
                    messages / 1000 + "k");
        }
        System.out.printf("per batch: hand-written %s; NONE %s; BY_KEY %s%n", handWritten.phases(), none.phases(),
                byKey.phases());
        statements(db, sink, destination, table);
        if (more) {
            System.out.printf("%-36s %10s %8s %8s %8s%n", "commit -> ack", "messages", "p50 ms", "p99 ms", "max ms");
            for (int rate : new int[] {1_000, 5_000}) {
                if (raw > 0) {
                    latency("raw send -> ack at " + rate + " msg/s", sink.rawLatency(destination, rate, seconds));
                    sink.purge(destination);
                }
                for (Ordering ordering : Ordering.values()) {
                    if (rate == 1_000 || ordering == Ordering.NONE) {
                        latency(ordering + " at " + rate + " msg/s", LibraryRelay.latency(ds, outbox,
                                sink.publisher(), ordering, rate, seconds, destination));
                    }
                }
            }
        }
        sink.purge(destination);
    }

    /** A rate and, where measured, its costs per message. */
    private record Measured(double rate, Metrics.Cost cost, Phases phases) {
    }

    /** A measurement that may throw. */
    @FunctionalInterface
    private interface Run {
        Measured run() throws Exception;
    }

    /**
     * Runs every variant once per round, {@value #REPEATS} rounds, each round starting one variant further on so
     * that none always runs first or last; the run of median rate of each.
     */
    private static Map<String, Measured> medians(Map<String, Run> variants) throws Exception {
        List<String> names = new ArrayList<>(variants.keySet());
        Map<String, List<Measured>> runs = new LinkedHashMap<>();
        names.forEach(name -> runs.put(name, new ArrayList<>()));
        for (int round = 0; round < REPEATS; round++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((i + round) % names.size());
                runs.get(name).add(variants.get(name).run());
            }
        }
        Map<String, Measured> medians = new LinkedHashMap<>();
        runs.forEach((name, measured) -> {
            measured.sort(Comparator.comparingDouble(Measured::rate));
            medians.put(name, measured.get(REPEATS / 2));
        });
        return medians;
    }

    /** One drain of a freshly filled outbox by the hand-written relay. */
    private static Measured hand(DataSource ds, String table, Sink sink, String destination, int batch, int messages,
                                 HandWrittenRelay.Columns columns) throws Exception {
        Outbox outbox = Outbox.builder().dataSource(ds).build();
        Messages.truncate(ds, outbox);
        Messages.prefill(ds, outbox, messages, destination);
        Metrics start = Metrics.now();
        HandWrittenRelay.Result hand = HandWrittenRelay.drain(ds, table, sink, destination, batch, LANES, messages,
                columns);
        sink.purge(destination);
        return new Measured(messages / hand.seconds(), hand.end().since(start, messages), hand.phases());
    }

    /** One drain of a freshly filled outbox by the library's relay(s). */
    private static Measured drain(DataSource ds, Outbox outbox, Sink sink, String destination, Ordering ordering,
                                  int batch, int relays, int messages) throws Exception {
        Messages.truncate(ds, outbox);
        Messages.prefill(ds, outbox, messages, destination);
        Metrics start = Metrics.now();
        LibraryRelay.Drain drain = LibraryRelay.drain(outbox, sink.publisher(), ordering, batch, relays, messages);
        Metrics.Cost cost = drain.end().since(start, messages);
        sink.purge(destination);
        if (!drain.finished()) {
            System.out.println("   (did not finish within 10 minutes)");
        }
        return new Measured(messages / drain.seconds(), cost, drain.phases());
    }

    /** SQL statements and round trips per batch, counted on a short drain through a counting data source. */
    private static void statements(BenchDatabase db, Sink sink, String destination, String table) throws Exception {
        CountingDataSource.Counted counted = CountingDataSource.wrap(db.dataSource());
        Outbox outbox = Outbox.builder().dataSource(counted.dataSource()).build();
        StringBuilder line = new StringBuilder();
        for (Ordering ordering : Ordering.values()) {
            Messages.truncate(db.dataSource(), outbox);
            Messages.prefill(db.dataSource(), outbox, COUNTED, destination);
            long statements = counted.counts().statements();
            long trips = counted.counts().roundTrips();
            LibraryRelay.Drain drain = LibraryRelay.drain(outbox, sink.publisher(), ordering, BATCH, 1, COUNTED);
            line.append(String.format(Locale.ROOT, "%s %.1f statements, %.1f round trips; ", ordering,
                    per(counted.counts().statements() - statements, drain.phases().batches()),
                    per(counted.counts().roundTrips() - trips, drain.phases().batches())));
        }
        Messages.truncate(db.dataSource(), outbox);
        Messages.prefill(db.dataSource(), outbox, COUNTED, destination);
        long statements = counted.counts().statements();
        long trips = counted.counts().roundTrips();
        HandWrittenRelay.Result hand = HandWrittenRelay.drain(counted.dataSource(), table, sink, destination, BATCH,
                LANES, COUNTED, HandWrittenRelay.Columns.MINIMAL);
        line.append(String.format(Locale.ROOT, "hand-written %.1f statements, %.1f round trips",
                per(counted.counts().statements() - statements, hand.phases().batches()),
                per(counted.counts().roundTrips() - trips, hand.phases().batches())));
        System.out.println("per batch: " + line);
        sink.purge(destination);
    }

    private static double per(long count, long batches) {
        return (double) count / Math.max(1, batches);
    }

    private static void row(String label, Measured measured, double ratio, String to) {
        Metrics.Cost shown = measured.cost();
        System.out.printf(Locale.ROOT, "%-36s %10.0f %8s %8s %10s %12s%n", label, measured.rate(),
                Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio), to,
                shown == null ? "" : String.format(Locale.ROOT, "%.1f", shown.cpuMicros()),
                shown == null ? "" : String.format(Locale.ROOT, "%.0f", shown.allocatedBytes()));
    }

    private static void latency(String label, Histogram histogram) {
        System.out.printf(Locale.ROOT, "%-36s %10d %8.2f %8.2f %8.2f%n", label, histogram.getTotalCount(),
                histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                histogram.getMaxValue() / 1000.0);
    }
}
