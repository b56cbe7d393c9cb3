package dev.outbox.examples.bench;

import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Write overhead of the outbox on PostgreSQL: the time of a business transaction that inserts one row, alone and
 * with one or ten outbox messages (200-byte payloads), single-threaded, commit included.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.WriteBenchmark</pre>
 *
 * Arguments: transactions per scenario (default 5000). Server: OUTBOX_BENCH_POSTGRES_URL, else
 * OUTBOX_TEST_POSTGRES_URL, else jdbc:postgresql://127.0.0.1:5432/test?user=postgres.
 */
public final class WriteBenchmark {
    private static final int WARMUP = 2000;
    private static final byte[] PAYLOAD = new byte[200];

    private final Outbox outbox;
    private final Outbox quietOutbox;
    private final DataSource dataSource;
    private final AtomicLong orderIds = new AtomicLong();

    private WriteBenchmark(DataSource dataSource) {
        this.dataSource = dataSource;
        this.outbox = Outbox.builder().dataSource(dataSource).build();
        this.quietOutbox = Outbox.builder().dataSource(dataSource).notifyRelays(false).build();
    }

    public static void main(String[] args) throws Exception {
        int transactions = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        try (BenchDatabase db = new BenchDatabase("write", 2)) {
            WriteBenchmark bench = new WriteBenchmark(db.dataSource());
            bench.outbox.schema().create();
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(64), total INT)");
            }
            System.out.printf("Write overhead on %s, %d transactions per scenario, 200-byte payloads%n",
                    db.describe(), transactions);
            System.out.printf("%-44s %10s %10s %10s%n", "scenario", "median µs", "p99 µs", "tx/s");
            double base = bench.run("order row only", transactions, 0, bench.outbox);
            bench.run("order row + 1 message", transactions, 1, bench.outbox, base);
            bench.run("order row + 1 message (notifyRelays=false)", transactions, 1, bench.quietOutbox, base);
            bench.run("order row + 10 messages (writeAll)", transactions, 10, bench.outbox, base);
        }
    }

    private double run(String name, int transactions, int messages, Outbox writer) throws SQLException {
        return run(name, transactions, messages, writer, Double.NaN);
    }

    private double run(String name, int transactions, int messages, Outbox writer, double baseMedian)
            throws SQLException {
        for (int i = 0; i < WARMUP; i++) {
            transaction(messages, writer);
        }
        long[] nanos = new long[transactions];
        long start = System.nanoTime();
        for (int i = 0; i < transactions; i++) {
            long t0 = System.nanoTime();
            transaction(messages, writer);
            nanos[i] = System.nanoTime() - t0;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(nanos);
        double median = nanos[transactions / 2] / 1000.0;
        double p99 = nanos[(int) (transactions * 0.99)] / 1000.0;
        System.out.printf("%-44s %10.1f %10.1f %10.0f%s%n", name, median, p99, transactions / seconds,
                Double.isNaN(baseMedian) ? "" : String.format("   (+%.1f µs median over row only)", median - baseMedian));
        return median;
    }

    private void transaction(int messages, Outbox writer) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            long orderId = orderIds.incrementAndGet();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, customer, total) VALUES (?, ?, ?)")) {
                ps.setLong(1, orderId);
                ps.setString(2, "customer-" + (orderId % 1000));
                ps.setInt(3, 1999);
                ps.executeUpdate();
            }
            if (messages == 1) {
                writer.write(c, message(orderId));
            } else if (messages > 1) {
                List<OutboxMessage> batch = new ArrayList<>(messages);
                for (int i = 0; i < messages; i++) {
                    batch.add(message(orderId));
                }
                writer.writeAll(c, batch);
            }
            c.commit();
        }
    }

    private static OutboxMessage message(long orderId) {
        return OutboxMessage.builder()
                .destination("orders")
                .key("order-" + orderId)
                .type("OrderPlaced")
                .rawPayload(PAYLOAD, "application/json")
                .build();
    }
}
