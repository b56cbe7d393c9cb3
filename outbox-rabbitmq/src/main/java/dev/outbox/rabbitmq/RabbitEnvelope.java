package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
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

    private RabbitEnvelope() {
    }

    static AMQP.BasicProperties properties(Map<String, String> headers, String id, String correlationId,
                                           String type, String contentType, Date timestamp) {
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(PERSISTENT)
                .messageId(id)
                .correlationId(correlationId)
                .type(type)
                .contentType(contentType)
                .timestamp(timestamp)
                .headers(new HashMap<>(headers))
                .build();
    }

    /** Reads a delivery back; AMQP properties fill in envelope fields that have no header. */
    static InboundMessage inbound(String queue, AMQP.BasicProperties properties, byte[] body, boolean redelivered) {
        Map<String, String> headers = new LinkedHashMap<>();
        Object deliveryCount = null;
        if (properties.getHeaders() != null) {
            for (Map.Entry<String, Object> header : properties.getHeaders().entrySet()) {
                if (header.getKey().equals(DELIVERY_COUNT)) {
                    deliveryCount = header.getValue();
                } else if (header.getValue() != null && !header.getKey().startsWith("x-")) {
                    headers.put(header.getKey(), header.getValue().toString());
                }
            }
        }
        headers.putIfAbsent(Envelope.MESSAGE_ID, properties.getMessageId());
        headers.putIfAbsent(Envelope.CORRELATION_ID, properties.getCorrelationId());
        headers.putIfAbsent(Envelope.TYPE, properties.getType());
        headers.putIfAbsent(Envelope.CONTENT_TYPE, properties.getContentType());
        headers.values().removeIf(v -> v == null);
        int attempt = deliveryCount instanceof Number n ? n.intValue() + 1 : redelivered ? 2 : 1;
        return Envelope.inbound(queue, body, headers, attempt);
    }
}
