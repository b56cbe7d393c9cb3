package dev.outbox.examples.bench;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A broker as the benchmark drives it three ways, with the same client settings: through the library's publisher,
 * through the raw client from memory (the ceiling), and through the raw client from a hand-written relay's batch.
 */
interface Sink extends AutoCloseable {

    /** A label for the output, e.g. {@code Kafka}. */
    String name();

    /** A destination of its own for one run (a topic, a queue). */
    String destination(String base) throws Exception;

    /** The library's publisher for this broker. */
    MessagePublisher publisher();

    /** Messages the raw client sends to warm up before it is measured. */
    int RAW_WARM_UP = 20_000;

    /**
     * The raw client's best rate, in messages per second, sending {@code messages} records like the relay's, built
     * beforehand, from {@link #RAW_THREADS} threads after a warm-up; 0 when there is no client (no-op).
     */
    default double rawRate(String destination, int messages) throws Exception {
        if (rawSend(destination, Math.min(messages, RAW_WARM_UP)) == 0) {
            return 0;
        }
        purge(destination);
        return rawSend(destination, messages);
    }

    /** Sends {@code messages} records with the raw client and returns the rate; 0 when there is no client. */
    double rawSend(String destination, int messages) throws Exception;

    /** Threads the raw clients send from memory with: as many as the relays' lanes. */
    int RAW_THREADS = 4;

    /** A share {@code [from, to)} of the messages, sent by one thread. */
    @FunctionalInterface
    interface Share {
        void send(int from, int to) throws Exception;
    }

    /** Sends {@code count} messages in {@link #RAW_THREADS} shares, each on a thread; returns when all are done. */
    static void inShares(int count, Share share) throws Exception {
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        for (int t = 0; t < RAW_THREADS; t++) {
            int from = (int) ((long) count * t / RAW_THREADS);
            int to = (int) ((long) count * (t + 1) / RAW_THREADS);
            Thread thread = new Thread(() -> {
                try {
                    share.send(from, to);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "raw-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Sends a batch with the raw client and returns once the broker acked every message. */
    void sendAndAwait(String destination, List<OutboundMessage> batch) throws Exception;

    /**
     * Send to ack, in microseconds, of the raw client sending one message at a time at {@code rate} messages/s for
     * {@code seconds} (from eight threads, as the latency writers): the floor under the relay's commit to ack.
     */
    default Histogram rawLatency(String destination, int rate, int seconds) throws Exception {
        Recorder recorder = new Recorder(3);
        Paced.run(rate, seconds, n -> {
            long start = System.nanoTime();
            sendAndAwait(destination, List.of(Messages.outbound(n, destination)));
            recorder.recordValue((System.nanoTime() - start) / 1000);
        });
        return recorder.getIntervalHistogram();
    }

    /** Empties {@code destination} between runs. */
    void purge(String destination) throws Exception;

    @Override
    void close() throws Exception;
}
