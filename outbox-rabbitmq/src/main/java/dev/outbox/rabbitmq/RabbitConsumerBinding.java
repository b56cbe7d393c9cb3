package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Delivery;
import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.ConsumerBinding;
import dev.outbox.spi.Deliveries;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.Reasons;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Consumes a RabbitMQ queue into a {@link MessageProcessor} (an {@code IdempotentConsumer}) with manual acks: a
 * delivery is acked only after the processor committed it or found it a duplicate. Dead letters are published,
 * with confirms and with their reason in the headers, to the queue's dead-letter exchange
 * ({@link RabbitTopology}) and then acked; one the broker refuses in full (over {@code max_message_size}) is sent
 * without its body, and failing that stored by the processor. A message the processor could not process, or that
 * made it throw, is requeued after {@code retryDelay}, so a database outage does not spin; one that keeps coming
 * back for a reason other than an outage is dead-lettered after {@link Deliveries#DEFAULT_MAX_UNSETTLED}
 * deliveries. Nothing a delivery carries can close the consumer's channel.
 *
 * <pre>{@code
 * RabbitConsumerBinding binding = RabbitConsumerBinding.builder(connection, "billing.orders", consumer)
 *         .prefetch(50).build();
 * binding.start();
 * }</pre>
 *
 * The attempt count the processor sees is the quorum queue's {@code x-delivery-count} plus one, or, on classic
 * queues, 2 for a redelivery and 1 otherwise. The configuration is copied at {@link Builder#build()}; thread-safe.
 */
public final class RabbitConsumerBinding implements ConsumerBinding {
    /** Unacked deliveries per consumer channel: keeps the handler busy without hoarding messages. */
    public static final int DEFAULT_PREFETCH = 32;
    /** Pause before requeueing an unprocessed message, so that a database outage does not spin. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    /** How long {@link #close()} waits for deliveries being processed. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(RabbitConsumerBinding.class);

    private final Connection connection;
    private final String queue;
    private final int prefetch;
    private final int consumers;
    private final String deadLetterExchange;
    private final Duration retryDelay;
    private final Duration closeTimeout;
    private final Deliveries deliveries;
    private final Map<Channel, String> channels = new LinkedHashMap<>();
    private final Object idle = new Object();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final DeadLetterChannel deadLetters;

    private RabbitConsumerBinding(Builder b) {
        connection = b.connection;
        queue = b.queue;
        prefetch = b.prefetch;
        consumers = b.consumers;
        deadLetterExchange = b.deadLetterExchange != null ? b.deadLetterExchange
                : RabbitTopology.deadLetterExchange(b.queue);
        retryDelay = b.retryDelay;
        closeTimeout = b.closeTimeout;
        deliveries = Deliveries.of(b.processor);
        deadLetters = new DeadLetterChannel(connection, closeTimeout);
    }

    public static Builder builder(Connection connection, String queue, MessageProcessor processor) {
        return new Builder(connection, queue, processor);
    }

    /**
     * Opens the consumer channels and starts consuming.
     *
     * @throws OutboxConfigurationException when the queue does not exist or the broker refuses
     */
    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("RabbitConsumerBinding for " + queue + " was already started");
        }
        try {
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

    /** Settles one delivery; never throws, as a consumer callback that throws closes its channel. */
    private void deliver(Channel channel, Delivery delivery) {
        inFlight.incrementAndGet();
        long tag = delivery.getEnvelope().getDeliveryTag();
        try {
            boolean done = deliveries.settle(() -> RabbitEnvelope.inbound(queue, delivery.getProperties(),
                    delivery.getBody(), delivery.getEnvelope().isRedeliver()), queue, delivery.getBody(),
                    RabbitEnvelope.headers(delivery.getProperties()),
                    (m, dead) -> publishDeadLetter(m, dead, delivery.getProperties()));
            if (done) {
                channel.basicAck(tag, false);
            } else {
                pause(retryDelay);
                channel.basicNack(tag, false, true);
            }
        } catch (IOException | RuntimeException | Error e) {
            log.warn("Settling a delivery of {} failed; the broker redelivers it when the channel closes: {}", queue,
                    Reasons.of(e));
        } finally {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }

    /**
     * Publishes a dead letter to the dead-letter exchange; if the broker refuses it in full, publishes it again
     * without body and with only the reason headers. False when it has neither.
     */
    private boolean publishDeadLetter(InboundMessage m, ConsumeOutcome.DeadLettered dead,
                                      AMQP.BasicProperties original) {
        Exception refused;
        try {
            refused = deadLetters.publish(deadLetterExchange, queue, RabbitEnvelope.properties(
                    Envelope.deadLetterHeaders(m, dead), m.id(), m.correlationId(), m.type(), m.contentType(),
                    original.getTimestamp()), m.payload());
        } catch (IllegalArgumentException cannotCarry) {
            refused = cannotCarry;
        }
        if (refused == null) {
            return true;
        }
        if (!deadLetters.connected()) {
            log.warn("Dead letter {} could not be published to exchange {}: {}", Reasons.forLog(m.id()),
                    Reasons.forLog(deadLetterExchange), Reasons.of(refused));
            return false;
        }
        Exception again = deadLetters.publish(deadLetterExchange, queue, RabbitEnvelope.properties(
                Envelope.strippedDeadLetterHeaders(m, dead), Reasons.textOrNull(m.id(), 1024), null, null, null,
                original.getTimestamp()), new byte[0]);
        if (again != null) {
            log.warn("Dead letter {} was refused by exchange {} even without its body: {}", Reasons.forLog(m.id()),
                    Reasons.forLog(deadLetterExchange), Reasons.of(again));
            return false;
        }
        log.warn("Dead letter {} was refused by exchange {} in full ({}) and was published without its body",
                Reasons.forLog(m.id()), Reasons.forLog(deadLetterExchange), Reasons.of(refused));
        return true;
    }

    private void pause(Duration duration) {
        try {
            stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops consuming, waits for deliveries being processed (bounded), and closes the channels. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || !started.get()) {
            return;
        }
        stopping.countDown();
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
        deadLetters.close();
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

    /** Configures a {@link RabbitConsumerBinding}; {@link #build()} copies the configuration. */
    public static final class Builder {
        private final Connection connection;
        private final String queue;
        private final MessageProcessor processor;
        private int prefetch = DEFAULT_PREFETCH;
        private int consumers = 1;
        private @Nullable String deadLetterExchange;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder(Connection connection, String queue, MessageProcessor processor) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.queue = Objects.requireNonNull(queue, "queue");
            this.processor = Objects.requireNonNull(processor, "processor");
        }

        /** Unacked deliveries per consumer channel (default 32). */
        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** Consumer channels processing in parallel (each in delivery order); default 1. */
        public Builder consumers(int consumers) {
            this.consumers = consumers;
            return this;
        }

        /** Where dead letters go; default {@code <queue>.dlx}, with routing key {@code <queue>}. */
        public Builder deadLetterExchange(String deadLetterExchange) {
            this.deadLetterExchange = deadLetterExchange;
            return this;
        }

        /** How long an unprocessed message waits before it is requeued (default 1 s); must be positive. */
        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return this;
        }

        /**
         * The former name of {@link #retryDelay}.
         *
         * @deprecated use {@link #retryDelay(Duration)}, the name all three bindings share
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder requeueDelay(Duration requeueDelay) {
            return retryDelay(requeueDelay);
        }

        /** How long {@link RabbitConsumerBinding#close()} waits for deliveries, and a dead letter's confirm. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting when one is out of range */
        public RabbitConsumerBinding build() {
            if (prefetch < 1 || prefetch > 65_535) {
                throw new IllegalArgumentException("RabbitConsumerBinding.builder().prefetch(" + prefetch
                        + ") must be between 1 and 65535");
            }
            if (consumers < 1 || consumers > 64) {
                throw new IllegalArgumentException("RabbitConsumerBinding.builder().consumers(" + consumers
                        + ") must be between 1 and 64");
            }
            positive("retryDelay", retryDelay);
            positive("closeTimeout", closeTimeout);
            return new RabbitConsumerBinding(this);
        }

        private static void positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("RabbitConsumerBinding.builder()." + name + "(" + value
                        + ") must be positive: a zero or negative pause turns a failing message into a hot "
                        + "requeue loop");
            }
        }
    }
}
