package dev.outbox.examples.bench;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import java.util.List;

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

    /**
     * The raw client's best rate, in messages per second, sending {@code messages} records like the relay's from
     * memory with as much in flight as the relay has; 0 when there is no client (no-op).
     */
    double rawRate(String destination, int messages) throws Exception;

    /** Sends a batch with the raw client and returns once the broker acked every message. */
    void sendAndAwait(String destination, List<OutboundMessage> batch) throws Exception;

    /** Empties {@code destination} between runs. */
    void purge(String destination) throws Exception;

    @Override
    void close() throws Exception;
}
