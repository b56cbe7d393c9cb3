package dev.outbox.examples.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.spi.OutboundMessage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

    /** The columns a claim reads. */
    enum Columns {
        /** What these benchmark messages need: the destination is known and the other fields are empty. */
        MINIMAL,
        /**
         * Every field a general relay forwards (destination, routing key, headers, correlation, causation and trace
         * context, availability, attempts), as the library's relay reads them.
         */
        EVERY
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() { };

    static Result drain(DataSource dataSource, String table, Sink sink, String destination, int batchSize,
                        int threads, long messages, Columns columns) throws Exception {
        AtomicLong done = new AtomicLong();
        Phases phases = new Phases();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(threads);
        CountDownLatch measured = new CountDownLatch(1);
        String claim = "SELECT seq, id, message_key, message_type, content_type, payload, created_at"
                + (columns == Columns.EVERY ? ", destination, routing_key, partition_no, headers, correlation_id,"
                        + " causation_id, traceparent, tracestate, available_at, attempts" : "")
                + " FROM " + table
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
                                batch.add(columns == Columns.EVERY ? every(rs) : minimal(rs, destination));
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

    private static OutboundMessage minimal(ResultSet rs, String destination) throws SQLException {
        Instant created = rs.getObject(7, OffsetDateTime.class).toInstant();
        return new OutboundMessage(rs.getObject(2, UUID.class), destination, null, rs.getString(3), 0,
                rs.getString(4), rs.getString(5), rs.getBytes(6), Map.of(), null, null, null, null, created, created,
                0);
    }

    private static OutboundMessage every(ResultSet rs) throws SQLException {
        String headers = rs.getString(11);
        Map<String, String> decoded;
        try {
            decoded = headers == null ? Map.of() : JSON.readValue(headers, HEADERS);
        } catch (JsonProcessingException e) {
            throw new SQLException("headers of row " + rs.getLong(1) + " are not a JSON object", e);
        }
        return new OutboundMessage(rs.getObject(2, UUID.class), rs.getString(8), rs.getString(9), rs.getString(3),
                rs.getInt(10), rs.getString(4), rs.getString(5), rs.getBytes(6), decoded, rs.getString(12),
                rs.getString(13), rs.getString(14), rs.getString(15),
                rs.getObject(7, OffsetDateTime.class).toInstant(), rs.getObject(16, OffsetDateTime.class).toInstant(),
                rs.getInt(17));
    }
}
