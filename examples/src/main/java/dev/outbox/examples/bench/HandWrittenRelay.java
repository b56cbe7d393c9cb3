package dev.outbox.examples.bench;

import dev.outbox.spi.OutboundMessage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * The minimum any relay must do, written by hand on PostgreSQL for comparison: {@code threads} loops, each one
 * transaction that claims a batch with {@code FOR UPDATE SKIP LOCKED}, sends it with the raw client (the same
 * records, envelope included), waits for the acks and deletes the rows by id. No retries, no dead letters, no
 * ordering: the floor of the cost, not a product.
 */
final class HandWrittenRelay {
    private HandWrittenRelay() {
    }

    /** What a drain took: seconds, batches, and this JVM's CPU and allocation before its threads ended. */
    record Result(double seconds, Phases phases, Metrics end) {
    }

    static Result drain(DataSource dataSource, String table, Sink sink, String destination, int batchSize,
                        int threads, long messages) throws Exception {
        AtomicLong done = new AtomicLong();
        Phases phases = new Phases();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(threads);
        CountDownLatch measured = new CountDownLatch(1);
        String claim = "SELECT seq, id, message_key, message_type, content_type, payload, created_at FROM " + table
                + " WHERE available_at <= now() ORDER BY available_at LIMIT " + batchSize + " FOR UPDATE SKIP LOCKED";
        String delete = "DELETE FROM " + table + " WHERE seq = ANY (?)";
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try (Connection c = dataSource.getConnection();
                     PreparedStatement select = c.prepareStatement(claim);
                     PreparedStatement remove = c.prepareStatement(delete)) {
                    c.setAutoCommit(false);
                    while (done.get() < messages && failure.get() == null) {
                        long claimStart = System.nanoTime();
                        List<Long> seqs = new ArrayList<>(batchSize);
                        List<OutboundMessage> batch = new ArrayList<>(batchSize);
                        try (ResultSet rs = select.executeQuery()) {
                            while (rs.next()) {
                                seqs.add(rs.getLong(1));
                                OffsetDateTime created = rs.getObject(7, OffsetDateTime.class);
                                batch.add(new OutboundMessage(rs.getObject(2, java.util.UUID.class), destination, null,
                                        rs.getString(3), 0, rs.getString(4), rs.getString(5), rs.getBytes(6),
                                        Map.of(), null, null, null, null, created.toInstant(), created.toInstant(),
                                        0));
                            }
                        }
                        if (batch.isEmpty()) {
                            c.commit();
                            continue;
                        }
                        long publishStart = System.nanoTime();
                        sink.sendAndAwait(destination, batch);
                        long completeStart = System.nanoTime();
                        Array ids = c.createArrayOf("bigint", seqs.toArray());
                        remove.setArray(1, ids);
                        remove.executeUpdate();
                        c.commit();
                        done.addAndGet(batch.size());
                        phases.add(publishStart - claimStart, completeStart - publishStart,
                                System.nanoTime() - completeStart);
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.countDown();
                }
                // Alive until measured: a thread's allocation count ends with it.
                try {
                    measured.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "hand-written-relay-" + t);
            thread.start();
        }
        finished.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        Metrics end = Metrics.now();
        measured.countDown();
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Result(seconds, phases, end);
    }
}
