package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Publishes outbox messages to RabbitMQ with publisher confirms: a message is acked only when the broker confirmed
 * it (persistent, so written to disk for durable queues). Published as {@code mandatory}, so a message no queue
 * receives is a failure, not a silent drop. Confirms are asynchronous: a batch is published without waiting, and
 * completes as the broker's acks arrive.
 *
 * <pre>{@code
 * ConnectionFactory factory = new ConnectionFactory();
 * factory.setUri("amqp://guest:guest@localhost:5672");
 * RabbitPublisher publisher = RabbitPublisher.builder(factory).build();
 * }</pre>
 *
 * <p>Destinations: by default a message with a routing key goes to the exchange named by its destination with that
 * routing key, and a message without one goes to the queue named by its destination (default exchange); set
 * {@link Builder#destinations} for anything else. The envelope travels as headers and as AMQP properties.
 * Connection loss fails the messages in flight (the relay retries them) and the client's automatic recovery
 * reconnects. An exchange is checked to exist before the first message is published to it (a publish to a missing
 * exchange would close the channel under every other message in flight): messages to a missing exchange are
 * rejected without being published. A channel the broker closes anyway is replaced at the next publish, and only
 * the message that caused it is rejected. Thread-safe; close it after the relays that use it.
 */
public final class RabbitPublisher implements MessagePublisher {
    /** RabbitMQ 4's default {@code max_message_size}; larger messages are rejected before publishing. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** Channels publishing in parallel; confirms are per channel. */
    public static final int DEFAULT_CHANNELS = 2;

    private final Connection connection;
    private final boolean ownsConnection;
    private final ConfirmingChannel[] channels;
    private final ExchangeCheck exchanges;
    private final Function<OutboundMessage, RabbitDestination> destinations;
    private final int maxMessageBytes;
    private final AtomicInteger next = new AtomicInteger();

    private RabbitPublisher(Builder b, Connection connection, boolean ownsConnection) throws IOException {
        this.connection = connection;
        this.ownsConnection = ownsConnection;
        this.destinations = b.destinations;
        this.maxMessageBytes = b.maxMessageBytes;
        this.exchanges = new ExchangeCheck(connection);
        this.channels = new ConfirmingChannel[b.channels];
        for (int i = 0; i < b.channels; i++) {
            channels[i] = new ConfirmingChannel(connection, exchanges::forget);
        }
    }

    /** A publisher with its own connection from {@code factory} (automatic recovery as the factory says). */
    public static Builder builder(ConnectionFactory factory) {
        return new Builder(Objects.requireNonNull(factory, "factory"), null);
    }

    /** A publisher on an existing connection, which it does not close. */
    public static Builder builder(Connection connection) {
        return new Builder(null, Objects.requireNonNull(connection, "connection"));
    }

    /** The default mapping: exchange + routing key when a routing key is set, else the queue named by the destination. */
    public static RabbitDestination defaultDestination(OutboundMessage message) {
        return message.routingKey() != null
                ? new RabbitDestination(message.destination(), message.routingKey())
                : new RabbitDestination("", message.destination());
    }

    @Override
    public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
        ConfirmingChannel channel = channel(Math.floorMod(next.getAndIncrement(), channels.length));
        List<CompletableFuture<PublishResult>> results = new ArrayList<>(batch.size());
        for (OutboundMessage m : batch) {
            results.add(publish(channel, m));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(done -> results.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<PublishResult> publish(ConfirmingChannel channel, OutboundMessage m) {
        if (m.payload().length > maxMessageBytes) {
            return CompletableFuture.completedFuture(PublishResult.rejected(m.id(), "message is "
                    + m.payload().length + " bytes; RabbitMQ accepts at most " + maxMessageBytes
                    + " (max_message_size, RabbitPublisher.builder().maxMessageBytes)"));
        }
        RabbitDestination to;
        try {
            to = Objects.requireNonNull(destinations.apply(m), "the destination mapping returned null");
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(PublishResult.rejected(m.id(), "the destination mapping failed: "
                    + e, e));
        }
        if (!exchanges.exists(to.exchange())) {
            return CompletableFuture.completedFuture(PublishResult.rejected(m.id(), "RabbitMQ has no exchange '"
                    + to.exchange() + "'; declare it, or map the destination elsewhere with "
                    + "RabbitPublisher.builder().destinations(...)"));
        }
        AMQP.BasicProperties props;
        try {
            props = RabbitEnvelope.properties(m);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PublishResult.rejected(m.id(), String.valueOf(e.getMessage()),
                    e));
        }
        return channel.publish(m.id(), to, props, m.payload());
    }

    /** The channel in slot {@code i}, replaced first if the broker closed it (a closed channel stays closed). */
    private ConfirmingChannel channel(int i) {
        ConfirmingChannel channel = channels[i];
        if (channel.isOpen() || !connection.isOpen()) {
            return channel;
        }
        synchronized (channels) {
            if (!channels[i].isOpen()) {
                try {
                    channels[i] = new ConfirmingChannel(connection, exchanges::forget);
                } catch (IOException | RuntimeException e) {
                    return channels[i];
                }
            }
            return channels[i];
        }
    }

    /** Closes the channels, and the connection when the publisher opened it. */
    @Override
    public void close() {
        synchronized (channels) {
            for (ConfirmingChannel channel : channels) {
                channel.close();
            }
        }
        if (ownsConnection) {
            try {
                connection.close();
            } catch (IOException | RuntimeException e) {
                connection.abort();
            }
        }
    }

    /** Configures a {@link RabbitPublisher}. */
    public static final class Builder {
        private final @Nullable ConnectionFactory factory;
        private final @Nullable Connection connection;
        private Function<OutboundMessage, RabbitDestination> destinations = RabbitPublisher::defaultDestination;
        private int channels = DEFAULT_CHANNELS;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

        private Builder(@Nullable ConnectionFactory factory, @Nullable Connection connection) {
            this.factory = factory;
            this.connection = connection;
        }

        /** Maps each message to an exchange and routing key; see {@link RabbitPublisher#defaultDestination}. */
        public Builder destinations(Function<OutboundMessage, RabbitDestination> destinations) {
            this.destinations = Objects.requireNonNull(destinations, "destinations");
            return this;
        }

        public Builder channels(int channels) {
            this.channels = channels;
            return this;
        }

        /** Larger payloads are reported as permanently rejected (dead-lettered by the relay). */
        public Builder maxMessageBytes(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        /**
         * Opens the connection (if given a factory) and the channels.
         *
         * @throws OutboxConfigurationException when the broker cannot be reached
         * @throws IllegalArgumentException naming the setting when a value is out of range
         */
        public RabbitPublisher build() {
            if (channels < 1 || channels > 64) {
                throw new IllegalArgumentException("RabbitPublisher.builder().channels(" + channels
                        + ") must be between 1 and 64");
            }
            if (maxMessageBytes < 1) {
                throw new IllegalArgumentException("RabbitPublisher.builder().maxMessageBytes(" + maxMessageBytes
                        + ") must be positive");
            }
            Connection open = connection;
            try {
                if (open == null) {
                    // builder(factory) is the only way to leave the connection unset.
                    open = Objects.requireNonNull(factory, "factory").newConnection("outbox-publisher");
                }
                return new RabbitPublisher(this, open, connection == null);
            } catch (IOException | TimeoutException e) {
                if (connection == null && open != null) {
                    open.abort();
                }
                throw new OutboxConfigurationException("RabbitPublisher cannot connect to RabbitMQ at "
                        + (factory == null ? "the given connection" : factory.getHost() + ":" + factory.getPort())
                        + ": " + e.getMessage(), e);
            }
        }
    }
}
