package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.Reasons;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The envelope on AMQP: every field as a header (the common envelope), and the fields AMQP has properties for
 * also as properties ({@code message_id}, {@code correlation_id}, {@code type}, {@code content_type},
 * {@code timestamp}), so plain AMQP consumers see them too. Messages are persistent.
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
     * Properties carrying {@code headers} and, where they fit an AMQP short string (255 bytes of UTF-8), the fields
     * AMQP has properties for; a field too long for its property travels in its header only.
     *
     * @throws IllegalArgumentException when a header name is longer than 255 bytes of UTF-8, which AMQP cannot
     *     carry
     */
    static AMQP.BasicProperties properties(Map<String, String> headers, String id, String correlationId,
                                           String type, String contentType, Date timestamp) {
        for (String name : headers.keySet()) {
            if (utf8Length(name) > SHORT_STRING) {
                throw new IllegalArgumentException("header name '" + Reasons.forLog(name) + "' is longer than "
                        + SHORT_STRING + " bytes, which AMQP cannot carry");
            }
        }
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

    /** {@code value} when it fits an AMQP short string, else null. */
    private static String shortString(String value) {
        return value == null || utf8Length(value) > SHORT_STRING ? null : value;
    }

    private static int utf8Length(String value) {
        return value.length() <= SHORT_STRING / 4 ? value.length() : value.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Reads a delivery back; AMQP properties fill in envelope fields that have no header. */
    static InboundMessage inbound(String queue, AMQP.BasicProperties properties, byte[] body, boolean redelivered) {
        Map<String, String> headers = headers(properties);
        Object deliveryCount = properties.getHeaders() == null ? null : properties.getHeaders().get(DELIVERY_COUNT);
        headers.putIfAbsent(Envelope.MESSAGE_ID, properties.getMessageId());
        headers.putIfAbsent(Envelope.CORRELATION_ID, properties.getCorrelationId());
        headers.putIfAbsent(Envelope.TYPE, properties.getType());
        headers.putIfAbsent(Envelope.CONTENT_TYPE, properties.getContentType());
        headers.values().removeIf(v -> v == null);
        int attempt = deliveryCount instanceof Number n ? Math.max(1, n.intValue() + 1) : redelivered ? 2 : 1;
        return Envelope.inbound(queue, body, headers, attempt);
    }

    /** The headers as text, without the broker's own ({@code x-...}). */
    static Map<String, String> headers(AMQP.BasicProperties properties) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (properties.getHeaders() != null) {
            for (Map.Entry<String, Object> header : properties.getHeaders().entrySet()) {
                if (header.getValue() != null && !header.getKey().startsWith("x-")) {
                    headers.put(header.getKey(), text(header.getValue()));
                }
            }
        }
        return headers;
    }

    /** A header value as text: byte arrays as UTF-8 (AMQP's long strings arrive so), anything else as printed. */
    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }
}
