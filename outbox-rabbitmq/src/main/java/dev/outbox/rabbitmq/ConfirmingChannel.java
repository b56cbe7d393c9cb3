package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One channel in confirm mode with the bookkeeping of its unconfirmed messages: acks complete them (one or many at
 * once), nacks and a closed channel fail them, and a returned (unroutable, mandatory) message is failed when its
 * ack arrives. Publishing is serialised, as a channel's sequence numbers require.
 *
 * <p>A channel closed by a channel error is dead for good (the client does not recover it); its owner replaces it.
 * When the error names its culprit (a missing or forbidden exchange, a message over {@code max_message_size}), only
 * the culprit's messages are rejected; the others in flight on the channel are innocent and fail as a
 * {@link BrokerUnavailableException}, retried without counting an attempt. An error that names no culprit fails
 * every message in flight, an attempt each.
 */
final class ConfirmingChannel {
    private final Channel channel;
    private final Consumer<String> missingExchange;
    private final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private final Map<String, Pending> byMessageId = new ConcurrentHashMap<>();

    /** @param missingExchange told the name of an exchange the broker reported missing */
    ConfirmingChannel(Connection connection, Consumer<String> missingExchange) throws IOException {
        this.missingExchange = missingExchange;
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
        Pending entry = new Pending(id, to.exchange(), body.length, result);
        pending.put(seq, entry);
        byMessageId.put(id.toString(), entry);
        try {
            channel.basicPublish(to.exchange(), to.routingKey(), true, props, body);
        } catch (IOException | AlreadyClosedException e) {
            forget(seq, entry);
            result.complete(PublishResult.failed(id, new BrokerUnavailableException("RabbitMQ channel is closed: "
                    + e.getMessage(), e)));
        } catch (RuntimeException e) {
            // The client counted a publish it never sent: every later confirm would be matched to the wrong
            // message. The channel is closed (its messages in flight retried) and replaced.
            forget(seq, entry);
            result.complete(PublishResult.rejected(id, "the RabbitMQ client could not encode the message: " + e, e));
            abort();
        }
        return result;
    }

    private void abort() {
        try {
            channel.abort();
        } catch (IOException | RuntimeException e) {
            closed(new ShutdownSignalException(false, false, null, e));
        }
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

    private void confirm(long tag, boolean multiple, @Nullable String nack) {
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

    /** Fails what awaits a confirm: the culprit of a channel error rejected, the innocent retried uncounted. */
    private void closed(ShutdownSignalException cause) {
        boolean lostConnection = cause.isHardError() || !channel.getConnection().isOpen();
        Culprit culprit = lostConnection ? null : Culprit.of(cause);
        if (culprit != null && culprit.exchange() != null && ExchangeCheck.notFound(cause)) {
            missingExchange.accept(culprit.exchange());
        }
        Throwable innocent = lostConnection || culprit != null
                ? new BrokerUnavailableException(lostConnection ? "RabbitMQ connection lost: " + cause.getMessage()
                        : "the RabbitMQ channel was closed by another message's error: " + cause.getMessage(), cause)
                : cause;
        for (Map.Entry<Long, Pending> e : new ArrayList<>(pending.entrySet())) {
            Pending p = e.getValue();
            forget(e.getKey(), p);
            p.result().complete(culprit != null && culprit.matches(p)
                    ? PublishResult.rejected(p.id(), "RabbitMQ refused the message: " + culprit.reason()
                            + (culprit.exchange() != null ? "; declare the exchange or grant access to it, or map the "
                            + "destination elsewhere with RabbitPublisher.builder().destinations(...)" : ""), cause)
                    : PublishResult.failed(p.id(), innocent));
        }
    }

    /** What a channel error blames: messages for one exchange, or of one body size. */
    private record Culprit(@Nullable String exchange, long size, String reason) {
        private static final Pattern EXCHANGE = Pattern.compile("exchange '([^']*)'");
        private static final Pattern SIZE = Pattern.compile("message size (\\d+)");

        static @Nullable Culprit of(ShutdownSignalException cause) {
            if (!(cause.getReason() instanceof AMQP.Channel.Close close)) {
                return null;
            }
            String text = close.getReplyText();
            Matcher exchange = EXCHANGE.matcher(text);
            if ((close.getReplyCode() == AMQP.NOT_FOUND || close.getReplyCode() == AMQP.ACCESS_REFUSED)
                    && exchange.find()) {
                return new Culprit(exchange.group(1), -1, text);
            }
            Matcher size = SIZE.matcher(text);
            if (close.getReplyCode() == AMQP.PRECONDITION_FAILED && size.find()) {
                return new Culprit(null, Long.parseLong(size.group(1)), text);
            }
            return null;
        }

        boolean matches(Pending p) {
            return exchange != null ? exchange.equals(p.exchange()) : p.size() == size;
        }
    }

    private void forget(long seq, Pending entry) {
        pending.remove(seq, entry);
        byMessageId.remove(entry.id().toString(), entry);
    }

    private static final class Pending {
        private final UUID id;
        private final String exchange;
        private final long size;
        private final CompletableFuture<PublishResult> result;
        private volatile @Nullable String unroutable;

        Pending(UUID id, String exchange, long size, CompletableFuture<PublishResult> result) {
            this.id = id;
            this.exchange = exchange;
            this.size = size;
            this.result = result;
        }

        long size() {
            return size;
        }

        UUID id() {
            return id;
        }

        String exchange() {
            return exchange;
        }

        CompletableFuture<PublishResult> result() {
            return result;
        }
    }
}
