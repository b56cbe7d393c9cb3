package dev.outbox.examples.bench;

import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.PublishResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** The library's relay as the benchmarks drive it: a drain of a pre-filled outbox, and commit-to-ack latency. */
final class LibraryRelay {
    private LibraryRelay() {
    }

    /**
     * A drain: seconds from the first claim to the last ack, seconds from building the relays to their first claim
     * (one-off schema and pool checks, not throughput), batches, whether every message was acked within ten
     * minutes, and this JVM's CPU and allocation at its end, taken before the relay's threads stop (their allocation
     * counts go with them).
     */
    record Drain(double seconds, double startupSeconds, Phases phases, boolean finished, Metrics end) {
    }

    /**
     * Runs {@code relays} relays with their defaults (but {@code ordering} and {@code batchSize}) until
     * {@code messages} are acked.
     */
    static Drain drain(Outbox outbox, MessagePublisher publisher, Ordering ordering, int batchSize, int relays,
                       long messages) throws InterruptedException {
        AtomicLong acked = new AtomicLong();
        AtomicLong firstClaim = new AtomicLong();
        Phases phases = new Phases();
        CountDownLatch done = new CountDownLatch(1);
        OutboxListener counter = new OutboxListener() {
            @Override
            public void batchCompleted(int size, Duration claim, Duration publish, Duration complete) {
                firstClaim.compareAndSet(0, System.nanoTime() - claim.plus(publish).plus(complete).toNanos());
                phases.add(claim.toNanos(), publish.toNanos(), complete.toNanos());
                if (acked.addAndGet(size) >= messages) {
                    done.countDown();
                }
            }
        };
        List<OutboxRelay> started = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < relays; i++) {
            OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).ordering(ordering).batchSize(batchSize)
                    .listener(counter).relayId("bench-" + ordering + "-" + i).build();
            started.add(relay);
            relay.start();
        }
        boolean finished = done.await(10, TimeUnit.MINUTES);
        long end = System.nanoTime();
        Metrics metrics = Metrics.now();
        started.forEach(OutboxRelay::close);
        long first = firstClaim.get() == 0 ? start : firstClaim.get();
        return new Drain((end - first) / 1e9, (first - start) / 1e9, phases, finished, metrics);
    }

    /**
     * Commit to ack, in microseconds: one relay publishes through {@code publisher} while writers commit one message
     * per transaction at {@code rate} messages/s for {@code seconds}; the later of the two times measures.
     */
    static Histogram latency(DataSource dataSource, Outbox outbox, MessagePublisher publisher, Ordering ordering,
                             int rate, int seconds, String destination) throws Exception {
        Messages.truncate(dataSource, outbox);
        Map<UUID, long[]> times = new ConcurrentHashMap<>();
        Recorder recorder = new Recorder(3);
        MessagePublisher timed = batch -> publisher.publish(batch).thenApply(results -> {
            long now = System.nanoTime();
            results.stream().filter(r -> r instanceof PublishResult.Acked)
                    .forEach(r -> meet(times, recorder, r.messageId(), 1, now));
            return results;
        });
        try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(timed).ordering(ordering)
                .relayId("latency-" + ordering).build()) {
            relay.start();
            Paced.run(rate, seconds, n -> writeOne(dataSource, outbox, times, recorder, n, destination));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!times.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        return recorder.getIntervalHistogram();
    }

    private static void writeOne(DataSource dataSource, Outbox outbox, Map<UUID, long[]> times, Recorder recorder,
                                 long n, String destination) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            UUID id = outbox.write(c, Messages.message(n, destination));
            c.commit();
            meet(times, recorder, id, 0, System.nanoTime());
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
}
