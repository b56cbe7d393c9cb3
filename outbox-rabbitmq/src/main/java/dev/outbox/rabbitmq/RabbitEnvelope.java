package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.Reasons;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The envelope on AMQP. A published message carries the fields AMQP has properties for as properties
 * ({@code message_id}, {@code correlation_id}, {@code type}, {@code content_type}, {@code timestamp}) and the rest
 * (user headers, key, causation id, exact creation time, trace context) as headers: headers cost the broker far more
 * than properties. A field too long for its property (an AMQP short string, 255 bytes) travels as a header instead.
 * Reading back, headers win over properties, so messages written with every field as a header read the same.
 * Messages are persistent.
 */
final class RabbitEnvelope {
    /** Set by quorum queues on redelivery: how many times the message was delivered before. */
    static final String DELIVERY_COUNT = "x-delivery-count";
    private static final int PERSISTENT = 2;
    /** The longest AMQP short string (property values, header names), in bytes. */
    private static final int SHORT_STRING = 255;

    private RabbitEnvelope() {
    }

    /**
     * The properties of an outbound message: the AMQP properties filled from the envelope, and the headers holding
     * what no property carries.
     *
     * @throws IllegalArgumentException when a header name is longer than 255 bytes of UTF-8, which AMQP cannot
     *     carry
     */
    static AMQP.BasicProperties properties(OutboundMessage m) {
        String correlationId = shortString(m.correlationId());
        String type = shortString(m.type());
        String contentType = shortString(m.contentType());
        Map<String, Object> headers = new HashMap<>(m.headers().size() + 8);
        Envelope.each(m, (name, value) -> {
            boolean inProperty = switch (name) {
                case Envelope.MESSAGE_ID -> true;
                case Envelope.CORRELATION_ID -> correlationId != null;
                case Envelope.TYPE -> type != null;
                case Envelope.CONTENT_TYPE -> contentType != null;
                default -> false;
            };
            if (!inProperty) {
                headers.put(headerName(name), value);
            }
        });
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(PERSISTENT)
                .messageId(m.id().toString())
                .correlationId(correlationId)
                .type(type)
                .contentType(contentType)
                .timestamp(Date.from(m.createdAt()))
                .headers(headers)
                .build();
    }

    /**
     * Properties carrying {@code headers} and, where they fit an AMQP short string (255 bytes of UTF-8), the fields
     * AMQP has properties for; for messages sent on as they were received (dead letters).
     *
     * @throws IllegalArgumentException when a header name is longer than 255 bytes of UTF-8, which AMQP cannot
     *     carry
     */
    static AMQP.BasicProperties properties(Map<String, String> headers, @Nullable String id,
                                           @Nullable String correlationId, @Nullable String type,
                                           @Nullable String contentType, @Nullable Date timestamp) {
        headers.keySet().forEach(RabbitEnvelope::headerName);
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(PERSISTENT)
                .messageId(shortString(id))
                .correlationId(shortString(correlationId))
                .type(shortString(type))
                .contentType(shortString(contentType))
                .timestamp(timestamp)
                .headers(new HashMap<>(headers))
                .build();
    }

    /** {@code name}, checked to fit an AMQP short string. */
    private static String headerName(String name) {
        if (utf8Length(name) > SHORT_STRING) {
            throw new IllegalArgumentException("header name '" + Reasons.forLog(name) + "' is longer than "
                    + SHORT_STRING + " bytes, which AMQP cannot carry");
        }
        return name;
    }

    /** {@code value} when it fits an AMQP short string, else null. */
    private static @Nullable String shortString(@Nullable String value) {
        return value == null || utf8Length(value) > SHORT_STRING ? null : value;
    }

    private static int utf8Length(String value) {
        return value.length() <= SHORT_STRING / 4 ? value.length() : value.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Reads a delivery back. */
    static InboundMessage inbound(String queue, AMQP.BasicProperties properties, byte[] body, boolean redelivered) {
        Object deliveryCount = properties.getHeaders() == null ? null : properties.getHeaders().get(DELIVERY_COUNT);
        int attempt = deliveryCount instanceof Number n ? Math.max(1, n.intValue() + 1) : redelivered ? 2 : 1;
        return Envelope.inbound(queue, body, headers(properties), attempt);
    }

    /**
     * The envelope as text headers: the headers without the broker's own ({@code x-...}), and the AMQP properties
     * for fields that have no header.
     */
    static Map<String, String> headers(AMQP.BasicProperties properties) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (properties.getHeaders() != null) {
            for (Map.Entry<String, Object> header : properties.getHeaders().entrySet()) {
                if (header.getValue() != null && !header.getKey().startsWith("x-")) {
                    headers.put(header.getKey(), text(header.getValue()));
                }
            }
        }
        putIfSet(headers, Envelope.MESSAGE_ID, properties.getMessageId());
        putIfSet(headers, Envelope.CORRELATION_ID, properties.getCorrelationId());
        putIfSet(headers, Envelope.TYPE, properties.getType());
        putIfSet(headers, Envelope.CONTENT_TYPE, properties.getContentType());
        return headers;
    }

    private static void putIfSet(Map<String, String> headers, String name, String value) {
        if (value != null) {
            headers.putIfAbsent(name, value);
        }
    }

    /** A header value as text: byte arrays as UTF-8 (AMQP's long strings arrive so), anything else as printed. */
    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }
}
