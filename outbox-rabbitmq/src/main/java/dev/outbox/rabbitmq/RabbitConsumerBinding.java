package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Delivery;
import dev.outbox.ConsumeOutcome;
import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.Deliveries;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes a RabbitMQ queue into a {@link MessageProcessor} (an {@code IdempotentConsumer}) with manual acks: a
 * delivery is acked only after the processor committed it or found it a duplicate. Dead letters are published,
 * with confirms and with their reason in the headers, to the queue's dead-letter exchange
 * ({@link RabbitTopology}) and then acked. A message the processor could not process, or that made it throw, is
 * requeued after a pause, so a database outage does not spin.
 *
 * <pre>{@code
 * RabbitConsumerBinding binding = RabbitConsumerBinding.builder(connection, "billing.orders", consumer)
 *         .prefetch(50).build();
 * binding.start();
 * }</pre>
 *
 * The attempt count the processor sees is the quorum queue's {@code x-delivery-count} plus one, or, on classic
 * queues, 2 for a redelivery and 1 otherwise.
 */
public final class RabbitConsumerBinding implements AutoCloseable {
    /** Unacked deliveries per consumer channel: keeps the handler busy without hoarding messages. */
    public static final int DEFAULT_PREFETCH = 32;
    /** Pause before requeueing an unprocessed message, so that a database outage does not spin. */
    public static final Duration DEFAULT_REQUEUE_DELAY = Duration.ofSeconds(1);
    /** How long {@link #close()} waits for deliveries being processed. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(RabbitConsumerBinding.class);

    private final Connection connection;
    private final String queue;
    private final MessageProcessor processor;
    private final int prefetch;
    private final int consumers;
    private final String deadLetterExchange;
    private final Duration requeueDelay;
    private final Duration closeTimeout;
    private final Map<Channel, String> channels = new LinkedHashMap<>();
    private final Object idle = new Object();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Channel deadLetters;

    private RabbitConsumerBinding(Builder b) {
        connection = b.connection;
        queue = b.queue;
        processor = b.processor;
        prefetch = b.prefetch;
        consumers = b.consumers;
        deadLetterExchange = b.deadLetterExchange != null ? b.deadLetterExchange
                : RabbitTopology.deadLetterExchange(b.queue);
        requeueDelay = b.requeueDelay;
        closeTimeout = b.closeTimeout;
    }

    public static Builder builder(Connection connection, String queue, MessageProcessor processor) {
        return new Builder(connection, queue, processor);
    }

    /**
     * Opens the consumer channels and starts consuming.
     *
     * @throws OutboxConfigurationException when the queue does not exist or the broker refuses
     */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("RabbitConsumerBinding for " + queue + " was already started");
        }
        try {
            deadLetters = connection.createChannel();
            deadLetters.confirmSelect();
            for (int i = 0; i < consumers; i++) {
                Channel channel = connection.createChannel();
                channel.basicQos(prefetch);
                channels.put(channel, channel.basicConsume(queue, false, (tag, delivery) -> deliver(channel, delivery),
                        tag -> log.warn("RabbitMQ cancelled the consumer of {}", queue)));
            }
        } catch (IOException e) {
            throw new OutboxConfigurationException("Cannot consume RabbitMQ queue '" + queue + "': "
                    + e.getMessage() + ". Declare it first, e.g. with RabbitTopology.declare(...)", e);
        }
        log.info("Consuming RabbitMQ queue {} ({} consumer(s), prefetch {})", queue, consumers, prefetch);
    }

    private void deliver(Channel channel, Delivery delivery) throws IOException {
        inFlight.incrementAndGet();
        long tag = delivery.getEnvelope().getDeliveryTag();
        try {
            InboundMessage message = RabbitEnvelope.inbound(queue, delivery.getProperties(), delivery.getBody(),
                    delivery.getEnvelope().isRedeliver());
            if (Deliveries.settle(processor, message,
                    (m, dead) -> publishDeadLetter(m, dead, delivery.getProperties()))) {
                channel.basicAck(tag, false);
            } else {
                requeue(channel, tag);
            }
        } finally {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }

    private boolean publishDeadLetter(InboundMessage m, ConsumeOutcome.DeadLettered dead,
                                      AMQP.BasicProperties original) {
        Map<String, String> headers = Envelope.deadLetterHeaders(m, dead);
        AMQP.BasicProperties props = RabbitEnvelope.properties(headers, m.id(), m.correlationId(), m.type(),
                m.contentType(), original.getTimestamp());
        try {
            synchronized (this) {
                deadLetters.basicPublish(deadLetterExchange, queue, true, props, m.payload());
                deadLetters.waitForConfirmsOrDie(closeTimeout.toMillis());
            }
            return true;
        } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Dead letter {} could not be published to exchange {}; requeueing it: {}", m.id(),
                    deadLetterExchange, e.toString());
            return false;
        }
    }

    private void requeue(Channel channel, long tag) throws IOException {
        try {
            TimeUnit.MILLISECONDS.sleep(requeueDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.basicNack(tag, false, true);
    }

    /** Stops consuming, waits for deliveries being processed (bounded), and closes the channels. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || !started.get()) {
            return;
        }
        channels.forEach((channel, tag) -> {
            try {
                channel.basicCancel(tag);
            } catch (IOException | RuntimeException e) {
                log.debug("cancel failed: {}", e.toString());
            }
        });
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        synchronized (idle) {
            long remaining;
            while (inFlight.get() > 0 && (remaining = deadline - System.nanoTime()) > 0) {
                try {
                    idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        channels.keySet().forEach(RabbitConsumerBinding::closeQuietly);
        closeQuietly(deadLetters);
        log.info("Stopped consuming RabbitMQ queue {}", queue);
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            log.debug("close failed: {}", e.toString());
        }
    }

    /** Configures a {@link RabbitConsumerBinding}. */
    public static final class Builder {
        private final Connection connection;
        private final String queue;
        private final MessageProcessor processor;
        private int prefetch = DEFAULT_PREFETCH;
        private int consumers = 1;
        private String deadLetterExchange;
        private Duration requeueDelay = DEFAULT_REQUEUE_DELAY;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder(Connection connection, String queue, MessageProcessor processor) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.queue = Objects.requireNonNull(queue, "queue");
            this.processor = Objects.requireNonNull(processor, "processor");
        }

        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** Consumer channels processing in parallel (each in delivery order). */
        public Builder consumers(int consumers) {
            this.consumers = consumers;
            return this;
        }

        /** Where dead letters go; default {@code <queue>.dlx}, with routing key {@code <queue>}. */
        public Builder deadLetterExchange(String deadLetterExchange) {
            this.deadLetterExchange = deadLetterExchange;
            return this;
        }

        public Builder requeueDelay(Duration requeueDelay) {
            this.requeueDelay = requeueDelay;
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        public RabbitConsumerBinding build() {
            if (prefetch < 1 || prefetch > 65_535) {
                throw new IllegalArgumentException("RabbitConsumerBinding.builder().prefetch(" + prefetch
                        + ") must be between 1 and 65535");
            }
            if (consumers < 1 || consumers > 64) {
                throw new IllegalArgumentException("RabbitConsumerBinding.builder().consumers(" + consumers
                        + ") must be between 1 and 64");
            }
            Objects.requireNonNull(requeueDelay, "requeueDelay");
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            return new RabbitConsumerBinding(this);
        }
    }
}
