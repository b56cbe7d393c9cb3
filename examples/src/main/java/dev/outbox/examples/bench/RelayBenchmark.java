package dev.outbox.examples.bench;

import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.PublishResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Relay throughput and latency on PostgreSQL through a no-op publisher, so the figures are the relay's own cost:
 *
 * <ul>
 *   <li>drain: a pre-filled outbox of N messages (200 bytes, 10,000 keys) published and deleted, with 1 and 2
 *       relay instances, unordered and ordered by key;
 *   <li>latency: commit to ack at a steady 1,000 messages/s, each message its own transaction.
 * </ul>
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.RelayBenchmark</pre>
 *
 * Arguments: messages to drain (default 200000), seconds of the latency run (default 10).
 */
public final class RelayBenchmark {
    private static final byte[] PAYLOAD = new byte[200];
    private static final int KEYS = 10_000;
    private static final int WRITE_BATCH = 1_000;
    private static final int LATENCY_RATE = 1_000;

    private RelayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        try (BenchDatabase db = new BenchDatabase("relay", 16)) {
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            System.out.printf("Relay benchmark on %s: no-op publisher, %d messages of %d bytes, %d keys%n",
                    db.describe(), messages, PAYLOAD.length, KEYS);
            System.out.printf("%-34s %10s %10s %14s %14s%n", "drain", "seconds", "msg/s", "claim ms/batch",
                    "record ms/batch");
            for (Ordering ordering : Ordering.values()) {
                for (int relays = 1; relays <= 2; relays++) {
                    drain(db.dataSource(), outbox, ordering, relays, messages);
                }
            }
            System.out.printf("%n%-34s %10s %10s %10s %10s%n", "commit -> ack at 1,000 msg/s", "messages",
                    "p50 ms", "p99 ms", "max ms");
            for (Ordering ordering : Ordering.values()) {
                latency(db.dataSource(), outbox, ordering, seconds);
            }
        }
    }

    private static void drain(DataSource dataSource, Outbox outbox, Ordering ordering, int relayCount, int messages)
            throws Exception {
        truncate(dataSource, outbox);
        prefill(dataSource, outbox, messages, "orders");
        Drain result = drain(outbox, new CountingPublisher(), ordering, relayCount, messages);
        System.out.printf("%-34s %10.2f %10.0f %14.2f %14.2f%s%n",
                ordering + ", " + relayCount + " relay" + (relayCount > 1 ? "s" : ""), result.seconds(),
                messages / result.seconds(), result.claimMillis(), result.recordMillis(),
                result.finished() ? "" : "   (did not finish within 10 minutes)");
    }

    /** How a drain went: wall time, mean claim and record time per batch, and whether it finished. */
    record Drain(double seconds, double claimMillis, double recordMillis, boolean finished) {

        /** Prints the drain's rate of {@code messages} beside a raw client's rate measured in the same run. */
        void printAgainst(String label, int messages, double raw) {
            double rate = messages / seconds;
            System.out.printf("%-44s %10.0f msg/s   ratio %.2f%s%n", label, rate, rate / raw,
                    finished ? "" : "   (did not finish within 10 minutes)");
        }
    }

    /** Runs {@code relayCount} relays through {@code publisher} until {@code messages} are completed. */
    static Drain drain(Outbox outbox, MessagePublisher publisher, Ordering ordering, int relayCount, int messages)
            throws InterruptedException {
        AtomicLong completed = new AtomicLong();
        LongAdder claimNanos = new LongAdder();
        LongAdder completeNanos = new LongAdder();
        LongAdder batches = new LongAdder();
        CountDownLatch done = new CountDownLatch(1);
        OutboxListener counter = new OutboxListener() {
            @Override
            public void published(OutboundMessage message, Duration latency) {
                if (completed.incrementAndGet() >= messages) {
                    done.countDown();
                }
            }

            @Override
            public void batchCompleted(int size, Duration claim, Duration publish, Duration complete) {
                claimNanos.add(claim.toNanos());
                completeNanos.add(complete.toNanos());
                batches.increment();
            }
        };
        List<OutboxRelay> relays = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < relayCount; i++) {
            OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).ordering(ordering)
                    .listener(counter).relayId("bench-" + ordering + "-" + i).build();
            relays.add(relay);
            relay.start();
        }
        boolean finished = done.await(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        relays.forEach(OutboxRelay::close);
        long n = Math.max(1, batches.sum());
        return new Drain(seconds, claimNanos.sum() / 1e6 / n, completeNanos.sum() / 1e6 / n, finished);
    }

    private static void latency(DataSource dataSource, Outbox outbox, Ordering ordering, int seconds)
            throws Exception {
        printLatency(ordering + ", 1 relay", latency(dataSource, outbox, new CountingPublisher(), ordering, seconds,
                "orders"));
    }

    /** Prints a row under the latency header: messages, p50, p99 and max in milliseconds. */
    static void printLatency(String label, Histogram histogram) {
        System.out.printf("%-34s %10d %10.2f %10.2f %10.2f%n", label, histogram.getTotalCount(),
                histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                histogram.getMaxValue() / 1000.0);
    }

    /**
     * Commit to ack, in microseconds: one relay publishes through {@code publisher} while writers commit one message
     * per transaction at a steady 1,000 messages/s for {@code seconds}.
     */
    static Histogram latency(DataSource dataSource, Outbox outbox, MessagePublisher publisher, Ordering ordering,
                             int seconds, String destination) throws Exception {
        truncate(dataSource, outbox);
        // The writer records its commit time and the ack its time; whichever comes second measures.
        Map<UUID, long[]> times = new ConcurrentHashMap<>();
        Recorder recorder = new Recorder(3);
        MessagePublisher timed = batch -> publisher.publish(batch).thenApply(results -> {
            long now = System.nanoTime();
            results.stream().filter(r -> r instanceof PublishResult.Acked)
                    .forEach(r -> meet(times, recorder, r.messageId(), 1, now));
            return results;
        });
        OutboxRelay relay = OutboxRelay.builder(outbox).publisher(timed).ordering(ordering)
                .relayId("latency-" + ordering).build();
        relay.start();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        AtomicLong sent = new AtomicLong();
        long total = (long) LATENCY_RATE * seconds;
        CountDownLatch written = new CountDownLatch(1);
        pacer.scheduleAtFixedRate(() -> {
            if (sent.incrementAndGet() > total) {
                written.countDown();
                return;
            }
            writers.execute(() -> writeOne(dataSource, outbox, times, recorder, sent.get(), destination));
        }, 0, 1_000_000 / LATENCY_RATE, TimeUnit.MICROSECONDS);
        written.await();
        pacer.shutdownNow();
        writers.shutdown();
        writers.awaitTermination(1, TimeUnit.MINUTES);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!times.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        relay.close();
        return recorder.getIntervalHistogram();
    }

    private static void writeOne(DataSource dataSource, Outbox outbox, Map<UUID, long[]> times, Recorder recorder,
                                 long n, String destination) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            UUID id = outbox.write(c, message(n, destination));
            c.commit();
            meet(times, recorder, id, 0, System.nanoTime());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores side {@code side}'s time (0 commit, 1 ack); the second side records ack minus commit. */
    private static void meet(Map<UUID, long[]> times, Recorder recorder, UUID id, int side, long nanos) {
        long[] pair = times.compute(id, (k, v) -> {
            long[] p = v == null ? new long[] {-1, -1} : v;
            p[side] = nanos;
            return p;
        });
        if (pair[0] >= 0 && pair[1] >= 0 && times.remove(id) != null) {
            recorder.recordValue(Math.max(0, pair[1] - pair[0]) / 1000);
        }
    }

    static void prefill(DataSource dataSource, Outbox outbox, int messages, String destination)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> batch = new ArrayList<>(WRITE_BATCH);
            for (int i = 0; i < messages; i++) {
                batch.add(message(i, destination));
                if (batch.size() == WRITE_BATCH || i == messages - 1) {
                    outbox.writeAll(c, batch);
                    c.commit();
                    batch.clear();
                }
            }
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("ANALYZE " + outbox.tables().message());
        }
    }

    static void truncate(DataSource dataSource, Outbox outbox) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE " + outbox.tables().message() + ", " + outbox.tables().partitionLease() + ", "
                    + outbox.tables().relayInstance());
        }
    }

    /** Message {@code n} as the relay hands it to a publisher, for raw-client baselines. */
    static OutboundMessage outbound(long n, String destination) {
        OutboxMessage m = message(n, destination);
        Instant now = Instant.now();
        return new OutboundMessage(UUID.randomUUID(), destination, null, m.key(), 0, m.type(), m.contentType(),
                m.rawPayload(), Map.of(), null, null, null, null, now, now, 0);
    }

    static OutboxMessage message(long n, String destination) {
        return OutboxMessage.builder().destination(destination).key("order-" + (n % KEYS)).type("OrderPlaced")
                .rawPayload(PAYLOAD, "application/json").build();
    }

    /** Acks everything at once. */
    private static final class CountingPublisher implements MessagePublisher {
        @Override
        public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
            List<PublishResult> results = new ArrayList<>(batch.size());
            for (OutboundMessage m : batch) {
                results.add(PublishResult.acked(m.id()));
            }
            return CompletableFuture.completedFuture(results);
        }
    }
}
