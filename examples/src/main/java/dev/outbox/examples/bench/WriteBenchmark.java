package dev.outbox.examples.bench;

import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * What the outbox adds to a business transaction on PostgreSQL: a transaction that inserts one order row, alone;
 * with a second plain INSERT of the same size as a message (the yardstick: any second write costs this much); with
 * the outbox's row inserted by hand (what the row itself costs the database: its width and indexes); and with one or
 * ten outbox messages written by the library with its defaults (at most one NOTIFY per millisecond wakes relays),
 * with a NOTIFY in every transaction, and with none. At 1, 8 and 32 concurrent writers, as a NOTIFY serialises
 * commits. Scenarios run interleaved in three rounds; each cell is the median round's throughput and latency; the
 * ratio is the transaction's time over the row-only transaction's at the same concurrency (wall time per
 * transaction).
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.WriteBenchmark</pre>
 *
 * Arguments: transactions per scenario and concurrency (default 10000), writer counts (default {@code 1,8,32}).
 * Server: {@code OUTBOX_BENCH_POSTGRES_URL}, else {@code OUTBOX_TEST_POSTGRES_URL}, else the local default.
 */
public final class WriteBenchmark {
    private static final byte[] PAYLOAD = new byte[Messages.PAYLOAD_BYTES];
    private static final int MAX_WRITERS = 32;
    private static final int ROUNDS = 3;
    /** The row the writer stores for {@link #message}, inserted by hand: what the row itself costs the database. */
    private static final String OUTBOX_ROW = "INSERT INTO outbox_message (id, destination, message_key, partition_no,"
            + " message_type, content_type, payload, created_at, available_at, attempts)"
            + " VALUES (?, 'orders', ?, ?, 'OrderPlaced', 'application/json', ?, ?, ?, 0)";

    private final Outbox notifying;
    private final Outbox quiet;
    private final Outbox everyCommit;
    private final DataSource dataSource;
    private final AtomicLong orderIds = new AtomicLong();

    private WriteBenchmark(DataSource dataSource) {
        this.dataSource = dataSource;
        this.notifying = Outbox.builder().dataSource(dataSource).build();
        this.quiet = Outbox.builder().dataSource(dataSource).notifyRelays(false).build();
        this.everyCommit = Outbox.builder().dataSource(dataSource).notifyInterval(Duration.ZERO).build();
    }

    /** The extra writes of a scenario, in the transaction of {@code c}. */
    @FunctionalInterface
    private interface Extra {
        void write(Connection c, long orderId) throws SQLException;
    }

    private record Scenario(String name, Extra extra) {
    }

    public static void main(String[] args) throws Exception {
        int transactions = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int[] writerCounts = Arrays.stream((args.length > 1 ? args[1] : "1,8,32").split(","))
                .mapToInt(Integer::parseInt).toArray();
        try (BenchDatabase db = new BenchDatabase("write", MAX_WRITERS)) {
            WriteBenchmark bench = new WriteBenchmark(db.dataSource());
            bench.notifying.schema().create();
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(64), total INT)");
                s.execute("CREATE TABLE order_events (id BIGSERIAL PRIMARY KEY, order_id BIGINT, payload BYTEA)");
            }
            List<Scenario> scenarios = List.of(
                    new Scenario("order row only", (c, id) -> { }),
                    new Scenario("+ plain INSERT (yardstick)", bench::plainInsert),
                    new Scenario("+ hand-written outbox row", bench::handWrittenOutboxRow),
                    new Scenario("+ 1 outbox message", (c, id) -> bench.notifying.write(c, message(id))),
                    new Scenario("+ 1 outbox message, no NOTIFY", (c, id) -> bench.quiet.write(c, message(id))),
                    new Scenario("+ 1 message, NOTIFY every commit", (c, id) -> bench.everyCommit.write(c,
                            message(id))),
                    new Scenario("+ 10 outbox messages (writeAll)", (c, id) -> bench.notifying.writeAll(c,
                            Collections.nCopies(10, message(id)))));
            System.out.printf("Write overhead on %s, %d transactions per cell, %d-byte payloads, %d cores%n",
                    db.describe(), transactions, PAYLOAD.length, Runtime.getRuntime().availableProcessors());
            for (int writers : writerCounts) {
                System.out.printf(Locale.ROOT, "%n%d writer(s)%n%-34s %10s %10s %10s %8s%n", writers, "", "tx/s",
                        "median us", "p99 us", "ratio");
                for (Scenario scenario : scenarios) {
                    bench.run(scenario, Math.min(transactions, 2_000), writers);
                }
                // Rounds interleave the scenarios, so that a table growing or a checkpoint favours none of them.
                Result[][] results = new Result[scenarios.size()][ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    for (int i = 0; i < scenarios.size(); i++) {
                        results[i][round] = bench.run(scenarios.get(i), transactions, writers);
                    }
                }
                double base = median(results[0]).rate();
                for (int i = 0; i < scenarios.size(); i++) {
                    Result result = median(results[i]);
                    System.out.printf(Locale.ROOT, "%-34s %10.0f %10.1f %10.1f %8.2f%n", scenarios.get(i).name(),
                            result.rate(), result.medianMicros(), result.p99Micros(), base / result.rate());
                }
            }
        }
    }

    private record Result(double rate, double medianMicros, double p99Micros) {
    }

    /** The round with the median rate. */
    private static Result median(Result[] rounds) {
        Result[] sorted = rounds.clone();
        Arrays.sort(sorted, Comparator.comparingDouble(Result::rate));
        return sorted[sorted.length / 2];
    }

    /** {@code transactions} transactions shared by {@code writers} threads; wall-clock rate and latencies. */
    private Result run(Scenario scenario, int transactions, int writers) throws Exception {
        long[] nanos = new long[transactions];
        AtomicLong next = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(writers);
        long start = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            new Thread(() -> {
                try {
                    for (long i = next.getAndIncrement(); i < transactions; i = next.getAndIncrement()) {
                        long t0 = System.nanoTime();
                        transaction(scenario.extra());
                        nanos[(int) i] = System.nanoTime() - t0;
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "writer-" + w).start();
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw failure.get();
        }
        Arrays.sort(nanos);
        return new Result(transactions / seconds, nanos[transactions / 2] / 1000.0,
                nanos[(int) (transactions * 0.99)] / 1000.0);
    }

    private void transaction(Extra extra) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            long orderId = orderIds.incrementAndGet();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, customer, total) VALUES (?, ?, ?)")) {
                ps.setLong(1, orderId);
                ps.setString(2, "customer-" + (orderId % 1000));
                ps.setInt(3, 1999);
                ps.executeUpdate();
            }
            extra.write(c, orderId);
            c.commit();
        }
    }

    private void plainInsert(Connection c, long orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO order_events (order_id, payload) VALUES (?, ?)")) {
            ps.setLong(1, orderId);
            ps.setBytes(2, PAYLOAD);
            ps.executeUpdate();
        }
    }

    private void handWrittenOutboxRow(Connection c, long orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(OUTBOX_ROW)) {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            ps.setObject(1, UUID.randomUUID());
            ps.setString(2, "order-" + orderId);
            ps.setInt(3, (int) (orderId % 64));
            ps.setBytes(4, PAYLOAD);
            ps.setObject(5, now);
            ps.setObject(6, now);
            ps.executeUpdate();
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
