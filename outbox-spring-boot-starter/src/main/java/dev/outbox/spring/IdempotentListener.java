package dev.outbox.spring;

import dev.outbox.spi.Deliveries;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessageProcessor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * An idempotent consumer behind Spring's own listeners, for teams that keep {@code @KafkaListener} or
 * {@code @RabbitListener}: one line in the listener method.
 *
 * <pre>{@code
 * private final IdempotentListener invoices = IdempotentListener.of(consumers.idempotent("invoices")
 *         .handler(OrderPlaced.class, (order, message, handle) -> ...).deadLetterToDatabase(true).build());
 *
 * <p>Thread-safe: every listener container thread may call one instance at once.
 *
 * @KafkaListener(topics = "orders")
 * void on(ConsumerRecord<String, String> record) {
 *     invoices.handle(record);
 * }
 * }</pre>
 *
 * A message that is processed, a duplicate, or dead-lettered into the database returns normally (the container
 * acknowledges it); one that must be delivered again throws {@link NotSettledException}, so the container's error
 * handling redelivers it. Spring's listeners have no dead-letter destination of the library's: dead letters go to
 * the database dead-letter table when the consumer has {@code deadLetterToDatabase(true)}; without it a dead letter
 * is redelivered. A malformed envelope is dead-lettered like any poison message.
 */
public final class IdempotentListener {
    private final Deliveries deliveries;

    private IdempotentListener(MessageProcessor processor) {
        this.deliveries = Deliveries.of(processor);
    }

    /** A listener handing messages to {@code processor}, usually an {@code IdempotentConsumer}. */
    public static IdempotentListener of(MessageProcessor processor) {
        return new IdempotentListener(processor);
    }

    /** Thrown for a message that was not settled and must be delivered again. */
    public static final class NotSettledException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotSettledException(String message) {
            super(message);
        }
    }

    /** Settles a Kafka record whose key and value are {@code byte[]} or {@code String}. */
    public void handle(ConsumerRecord<?, ?> record) {
        Kafka.handle(this, record);
    }

    /** Settles a RabbitMQ message as Spring AMQP delivers it. */
    public void handle(org.springframework.amqp.core.Message message) {
        Rabbit.handle(this, message);
    }

    /** Kafka's side, in a class of its own: loaded only where kafka-clients is. */
    private static final class Kafka {
        static void handle(IdempotentListener listener, ConsumerRecord<?, ?> record) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                if (header.value() != null) {
                    headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
                }
            }
            byte[] payload = bytes(record.value());
            String key = record.key() == null ? null : new String(bytes(record.key()), StandardCharsets.UTF_8);
            listener.settle(record.topic(), payload, headers, () -> {
                Map<String, String> envelope = new LinkedHashMap<>(headers);
                if (key != null) {
                    envelope.putIfAbsent(Envelope.KEY, key);
                }
                return Envelope.inbound(record.topic(), payload, envelope, 1);
            });
        }

        private static byte[] bytes(Object value) {
            if (value == null) {
                return new byte[0];
            }
            if (value instanceof byte[] b) {
                return b;
            }
            if (value instanceof String s) {
                return s.getBytes(StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException("IdempotentListener needs records of byte[] or String (use "
                    + "ByteArrayDeserializer or StringDeserializer), got " + value.getClass().getName());
        }
    }

    /** RabbitMQ's side, in a class of its own: loaded only where Spring AMQP is. */
    private static final class Rabbit {
        static void handle(IdempotentListener listener, org.springframework.amqp.core.Message message) {
            org.springframework.amqp.core.MessageProperties p = message.getMessageProperties();
            Map<String, String> headers = new LinkedHashMap<>();
            p.getHeaders().forEach((name, value) -> {
                if (value != null && !name.startsWith("x-")) {
                    headers.put(name, value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8)
                            : value.toString());
                }
            });
            putIfSet(headers, Envelope.MESSAGE_ID, p.getMessageId());
            putIfSet(headers, Envelope.CORRELATION_ID, p.getCorrelationId());
            putIfSet(headers, Envelope.TYPE, p.getType());
            putIfSet(headers, Envelope.CONTENT_TYPE, p.getContentType());
            Object count = p.getHeaders().get("x-delivery-count");
            int attempt = count instanceof Number n ? n.intValue() + 1
                    : Boolean.TRUE.equals(p.getRedelivered()) ? 2 : 1;
            String queue = p.getConsumerQueue() == null ? "" : p.getConsumerQueue();
            listener.settle(queue, message.getBody(), headers, () -> Envelope.inbound(queue, message.getBody(),
                    headers, Math.max(1, attempt)));
        }

        private static void putIfSet(Map<String, String> headers, String name, @Nullable String value) {
            if (value != null) {
                headers.putIfAbsent(name, value);
            }
        }
    }

    private void settle(String destination, byte[] payload, Map<String, String> headers, Deliveries.Decoder decoder) {
        if (!deliveries.settle(decoder, destination, payload, headers, (m, dead) -> false)) {
            throw new NotSettledException("message from " + destination + " was not settled; deliver it again");
        }
    }
}
