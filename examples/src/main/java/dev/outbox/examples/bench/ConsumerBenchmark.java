package dev.outbox.examples.bench;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
 * without deduplication, and through {@link IdempotentConsumer} (deduplication record in the same transaction),
 * with 1 and 4 threads. The ratio is the price of the exactly-once effect.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.ConsumerBenchmark</pre>
 *
 * Argument: messages per run (default 20000).
 */
public final class ConsumerBenchmark {
    private static final int WARMUP = 2_000;

    private ConsumerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        try (BenchDatabase db = new BenchDatabase("consumer", 8)) {
            Outbox.builder().dataSource(db.dataSource()).build().schema().create();
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE invoices (message_id VARCHAR(64) PRIMARY KEY, amount INT NOT NULL)");
            }
            Jdbi jdbi = Jdbi.create(db.dataSource());
            IdempotentConsumer consumer = IdempotentConsumer.builder("bench").jdbi(jdbi)
                    .handler((m, h) -> handle(m, h)).build();
            Consumer<InboundMessage> plain = m -> jdbi.useTransaction(h -> handle(m, h));
            Consumer<InboundMessage> deduplicated = consumer::process;

            System.out.printf("Consumer benchmark on %s, %d messages per run, handler inserts one row%n",
                    db.describe(), messages);
            System.out.printf("%-10s %16s %16s %8s%n", "threads", "no dedup msg/s", "dedup msg/s", "ratio");
            run(plain, WARMUP, 1);
            run(deduplicated, WARMUP, 1);
            for (int threads : new int[] {1, 4}) {
                double without = run(plain, messages, threads);
                double with = run(deduplicated, messages, threads);
                System.out.printf("%-10d %16.0f %16.0f %8.2f%n", threads, without, with, with / without);
            }
        }
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
