package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.PublishResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One channel in confirm mode with the bookkeeping of its unconfirmed messages: acks complete them (one or many at
 * once), nacks and a closed channel fail them, and a returned (unroutable, mandatory) message is failed when its
 * ack arrives. Publishing is serialised, as a channel's sequence numbers require.
 */
final class ConfirmingChannel {
    private final Channel channel;
    private final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private final Map<String, Pending> byMessageId = new ConcurrentHashMap<>();

    ConfirmingChannel(Connection connection) throws IOException {
        channel = connection.createChannel();
        channel.confirmSelect();
        channel.addConfirmListener((tag, multiple) -> confirm(tag, multiple, null),
                (tag, multiple) -> confirm(tag, multiple, "the broker nacked the message"));
        channel.addReturnListener(this::returned);
        channel.addShutdownListener(this::closed);
    }

    /** Publishes one message; the future completes when the broker confirms, rejects or loses it. */
    synchronized CompletableFuture<PublishResult> publish(UUID id, RabbitDestination to, AMQP.BasicProperties props,
                                                          byte[] body) {
        CompletableFuture<PublishResult> result = new CompletableFuture<>();
        long seq = channel.getNextPublishSeqNo();
        Pending entry = new Pending(id, result);
        pending.put(seq, entry);
        byMessageId.put(id.toString(), entry);
        try {
            channel.basicPublish(to.exchange(), to.routingKey(), true, props, body);
        } catch (IOException | RuntimeException e) {
            forget(seq, entry);
            result.complete(PublishResult.failed(id, channel.getConnection().isOpen() ? e
                    : new BrokerUnavailableException("RabbitMQ connection is closed: " + e.getMessage(), e)));
        }
        return result;
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    void close() {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
            closed(new ShutdownSignalException(false, false, null, e));
        }
    }

    private void confirm(long tag, boolean multiple, String nack) {
        List<Map.Entry<Long, Pending>> done = new ArrayList<>(multiple ? pending.headMap(tag, true).entrySet()
                : pending.containsKey(tag) ? List.of(Map.entry(tag, pending.get(tag))) : List.of());
        for (Map.Entry<Long, Pending> e : done) {
            Pending p = e.getValue();
            forget(e.getKey(), p);
            if (nack != null) {
                p.result().complete(PublishResult.failed(p.id(), new IOException(nack)));
            } else if (p.unroutable != null) {
                p.result().complete(PublishResult.failed(p.id(), new IOException(p.unroutable)));
            } else {
                p.result().complete(PublishResult.acked(p.id()));
            }
        }
    }

    private void returned(Return r) {
        String id = r.getProperties().getMessageId();
        Pending p = id == null ? null : byMessageId.get(id);
        if (p != null) {
            p.unroutable = "unroutable: exchange '" + r.getExchange() + "' has no queue bound for routing key '"
                    + r.getRoutingKey() + "' (" + r.getReplyCode() + " " + r.getReplyText() + ")";
        }
    }

    /**
     * Fails what awaits a confirm. A lost connection is the broker's failure; a channel closed by a channel error
     * (e.g. an exchange that does not exist) may be the message's.
     */
    private void closed(ShutdownSignalException cause) {
        Throwable failure = cause.isHardError() || !channel.getConnection().isOpen()
                ? new BrokerUnavailableException("RabbitMQ connection lost: " + cause.getMessage(), cause)
                : cause;
        for (Map.Entry<Long, Pending> e : new ArrayList<>(pending.entrySet())) {
            forget(e.getKey(), e.getValue());
            e.getValue().result().complete(PublishResult.failed(e.getValue().id(), failure));
        }
    }

    private void forget(long seq, Pending entry) {
        pending.remove(seq, entry);
        byMessageId.remove(entry.id().toString(), entry);
    }

    private static final class Pending {
        private final UUID id;
        private final CompletableFuture<PublishResult> result;
        private volatile String unroutable;

        Pending(UUID id, CompletableFuture<PublishResult> result) {
            this.id = id;
            this.result = result;
        }

        UUID id() {
            return id;
        }

        CompletableFuture<PublishResult> result() {
            return result;
        }
    }
}
