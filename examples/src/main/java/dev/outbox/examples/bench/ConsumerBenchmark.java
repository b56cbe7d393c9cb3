package dev.outbox.examples.bench;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import java.sql.Connection;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Idempotent-consumer throughput on PostgreSQL: the same handler (insert one row) run in its own transaction
 * without deduplication, with a second plain INSERT (what any extra statement costs), with a hand-written
 * deduplication INSERT, and through {@link IdempotentConsumer} (deduplication record in the same transaction), with
 * 1 and 4 threads; the variants run in turn in three rounds, and each figure is the median round. The ratio is the
 * price of the exactly-once effect; the hand-written row shows how much of it is the library's.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.ConsumerBenchmark</pre>
 *
 * Argument: messages per run (default 20000).
 */
public final class ConsumerBenchmark {
    private static final int WARMUP = 2_000;
    private static final int COUNTED = 1_000;
    private static final int ROUNDS = 3;

    private ConsumerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        try (BenchDatabase db = new BenchDatabase("consumer", 8)) {
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            String inbox = outbox.tables().inbox();
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE invoices (message_id VARCHAR(64) PRIMARY KEY, amount INT NOT NULL)");
                s.execute("CREATE TABLE invoice_log (message_id VARCHAR(64) PRIMARY KEY)");
            }
            CountingDataSource.Counted counted = CountingDataSource.wrap(db.dataSource());
            Jdbi jdbi = Jdbi.create(counted.dataSource());
            IdempotentConsumer consumer = IdempotentConsumer.builder("bench").jdbi(jdbi)
                    .handler((m, h) -> handle(m, h)).build();
            Consumer<InboundMessage> plain = m -> jdbi.useTransaction(h -> handle(m, h));
            Consumer<InboundMessage> deduplicated = consumer::process;

            System.out.printf("Consumer benchmark on %s, %d messages per run, handler inserts one row%n",
                    db.describe(), messages);
            Map<String, Consumer<InboundMessage>> variants = new LinkedHashMap<>();
            variants.put("no dedup", plain);
            variants.put("+ second plain INSERT (yardstick)", m -> jdbi.useTransaction(h -> {
                h.execute("INSERT INTO invoice_log (message_id) VALUES (?)", m.id());
                handle(m, h);
            }));
            variants.put("+ hand-written dedup INSERT", m -> jdbi.useTransaction(h -> {
                if (h.execute("INSERT INTO " + inbox + " (consumer_name, message_id, processed_at) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING", "hand", m.id(), OffsetDateTime.now()) == 1) {
                    handle(m, h);
                }
            }));
            variants.put("IdempotentConsumer", deduplicated);
            for (Consumer<InboundMessage> variant : variants.values()) {
                run(variant, WARMUP, 1);
            }
            System.out.printf("per message: no dedup %s; IdempotentConsumer %s%n", perMessage(counted, plain),
                    perMessage(counted, deduplicated));
            System.out.printf("%-36s %12s %8s %12s %8s%n", "", "1 thread", "ratio", "4 threads", "ratio");
            List<Consumer<InboundMessage>> targets = new ArrayList<>(variants.values());
            double[] one = medians(targets, messages, 1);
            double[] four = medians(targets, messages, 4);
            int i = 0;
            for (String name : variants.keySet()) {
                System.out.printf(Locale.ROOT, "%-36s %12.0f %8.2f %12.0f %8.2f%n", name, one[i], one[i] / one[0],
                        four[i], four[i] / four[0]);
                i++;
            }
        }
    }

    /**
     * The median rate of each target over {@value #ROUNDS} rounds that run the targets in turn, so that a table
     * growing or a checkpoint favours none of them.
     */
    private static double[] medians(List<Consumer<InboundMessage>> targets, int n, int threads) throws Exception {
        double[][] rates = new double[targets.size()][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int t = 0; t < targets.size(); t++) {
                rates[t][round] = run(targets.get(t), n, threads);
            }
        }
        double[] medians = new double[targets.size()];
        for (int t = 0; t < targets.size(); t++) {
            Arrays.sort(rates[t]);
            medians[t] = rates[t][ROUNDS / 2];
        }
        return medians;
    }

    /** SQL statements and round trips per message, counted over a short run. */
    private static String perMessage(CountingDataSource.Counted counted, Consumer<InboundMessage> target)
            throws Exception {
        long statements = counted.counts().statements();
        long trips = counted.counts().roundTrips();
        run(target, COUNTED, 1);
        return String.format(Locale.ROOT, "%.1f statements, %.1f round trips",
                (double) (counted.counts().statements() - statements) / COUNTED,
                (double) (counted.counts().roundTrips() - trips) / COUNTED);
    }

    private static void handle(InboundMessage message, Handle handle) {
        handle.execute("INSERT INTO invoices (message_id, amount) VALUES (?, ?)", message.id(), 1999);
    }

    /** Processes {@code n} fresh messages on {@code threads} threads; returns messages per second. */
    private static double run(Consumer<InboundMessage> target, int n, int threads) throws Exception {
        List<InboundMessage> batch = new ArrayList<>(n);
        byte[] payload = new byte[200];
        for (int i = 0; i < n; i++) {
            batch.add(Envelope.inbound("orders", payload, Map.of(Envelope.MESSAGE_ID,
                    UUID.randomUUID().toString()), 1));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<InboundMessage> part = batch.subList(t * n / threads, (t + 1) * n / threads);
            parts.add(pool.submit(() -> part.forEach(target)));
        }
        for (Future<?> part : parts) {
            part.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return n / seconds;
    }
}
