package dev.outbox.micrometer;

import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.InboundMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;

/**
 * Micrometer meters for idempotent consumers (Micrometer is an optional dependency). Register it with
 * {@code IdempotentConsumer.builder(name).listener(new MicrometerConsumerMetrics(registry))}.
 *
 * Meters, tagged {@code consumer} and {@code destination}: counters {@code outbox.consumer.processed},
 * {@code outbox.consumer.duplicates}, {@code outbox.consumer.retries}, {@code outbox.consumer.dead.lettered};
 * timer {@code outbox.consumer.handler} (handler and commit).
 *
 * <p>Thread-safe: every consumer thread reports to one instance.
 */
public final class MicrometerConsumerMetrics implements ConsumerListener {
    private final MeterRegistry registry;

    public MicrometerConsumerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void processed(String consumer, InboundMessage message, Duration handlerTime) {
        counter("outbox.consumer.processed", consumer, message).increment();
        Timer.builder("outbox.consumer.handler").tag("consumer", consumer).tag("destination", message.destination())
                .register(registry).record(handlerTime);
    }

    @Override
    public void duplicate(String consumer, InboundMessage message) {
        counter("outbox.consumer.duplicates", consumer, message).increment();
    }

    @Override
    public void retried(String consumer, InboundMessage message, int attempt, Throwable cause) {
        counter("outbox.consumer.retries", consumer, message).increment();
    }

    @Override
    public void deadLettered(String consumer, InboundMessage message, String reason) {
        counter("outbox.consumer.dead.lettered", consumer, message).increment();
    }

    private Counter counter(String name, String consumer, InboundMessage message) {
        return Counter.builder(name).tag("consumer", consumer).tag("destination", message.destination())
                .register(registry);
    }
}
