package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The channel a consumer binding publishes dead letters on: confirms, mandatory, one message at a time. A channel
 * closed by the broker (a message over {@code max_message_size}, a missing exchange) or a nack is replaced by a new
 * one at the next publish, so one refused dead letter never stops the others.
 */
final class DeadLetterChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterChannel.class);

    private final Connection connection;
    private final Duration timeout;
    private @Nullable Channel channel;
    private volatile @Nullable String returned;

    DeadLetterChannel(Connection connection, Duration timeout) {
        this.connection = connection;
        this.timeout = timeout;
    }

    /** Publishes and waits for the confirm; the failure (refused, unroutable, no confirm), or null. */
    synchronized @Nullable Exception publish(String exchange, String routingKey, AMQP.BasicProperties props,
                                             byte[] body) {
        try {
            Channel open = open();
            returned = null;
            open.basicPublish(exchange, routingKey, true, props, body);
            open.waitForConfirmsOrDie(timeout.toMillis());
            return returned == null ? null : new IOException(returned);
        } catch (IOException | TimeoutException e) {
            return e;
        } catch (RuntimeException e) {
            // An encoding failure leaves the client's confirm numbering off by one: start a new channel.
            abortChannel();
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    private void abortChannel() {
        try {
            if (channel != null) {
                channel.abort();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("aborting the dead-letter channel: {}", e.toString());
        }
    }

    /** True while the connection is up: a failure then was the message's or the channel's, not an outage. */
    boolean connected() {
        return connection.isOpen();
    }

    private Channel open() throws IOException {
        if (channel == null || !channel.isOpen()) {
            channel = connection.createChannel();
            channel.confirmSelect();
            channel.addReturnListener(r -> returned = "unroutable: exchange '" + r.getExchange()
                    + "' has no queue bound for routing key '" + r.getRoutingKey() + "' (" + r.getReplyCode() + " "
                    + r.getReplyText() + ")");
        }
        return channel;
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            log.debug("closing the dead-letter channel: {}", e.toString());
        }
    }
}
