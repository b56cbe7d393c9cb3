package dev.outbox.spi;

import dev.outbox.ConsumeOutcome;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The header names every adapter puts on the wire, and the one mapping between them and the message types, so
 * that a message reads back the same on every broker. Adapters may carry some fields in native properties too
 * (AMQP {@code message_id}, Kafka record key) but always accept these headers.
 */
public final class Envelope {
    public static final String MESSAGE_ID = "outbox-message-id";
    public static final String TYPE = "outbox-type";
    public static final String KEY = "outbox-key";
    public static final String CONTENT_TYPE = "outbox-content-type";
    public static final String CORRELATION_ID = "outbox-correlation-id";
    public static final String CAUSATION_ID = "outbox-causation-id";
    public static final String CREATED_AT = "outbox-created-at";
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** Headers added to dead letters published to a broker. */
    public static final String DEAD_LETTER_REASON = "outbox-dead-letter-reason";
    public static final String ORIGINAL_DESTINATION = "outbox-original-destination";
    public static final String ATTEMPTS = "outbox-attempts";
    public static final String ERROR_CLASS = "outbox-error-class";

    private static final Set<String> FIELDS = Set.of(MESSAGE_ID, TYPE, KEY, CONTENT_TYPE, CORRELATION_ID,
            CAUSATION_ID, CREATED_AT, TRACEPARENT, TRACESTATE);

    private Envelope() {
    }

    /** User headers followed by the envelope fields that are set; envelope fields win over user headers. */
    public static Map<String, String> headers(OutboundMessage m) {
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
        headers.put(MESSAGE_ID, m.id().toString());
        put(headers, TYPE, m.type());
        put(headers, KEY, m.key());
        put(headers, CONTENT_TYPE, m.contentType());
        put(headers, CORRELATION_ID, m.correlationId());
        put(headers, CAUSATION_ID, m.causationId());
        headers.put(CREATED_AT, m.createdAt().toString());
        put(headers, TRACEPARENT, m.traceparent());
        put(headers, TRACESTATE, m.tracestate());
        return headers;
    }

    /** The headers of a received message as it was sent: user headers and envelope fields. */
    public static Map<String, String> headers(InboundMessage m) {
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
        put(headers, MESSAGE_ID, m.id());
        put(headers, TYPE, m.type());
        put(headers, KEY, m.key());
        put(headers, CONTENT_TYPE, m.contentType());
        put(headers, CORRELATION_ID, m.correlationId());
        put(headers, CAUSATION_ID, m.causationId());
        put(headers, CREATED_AT, m.createdAt() == null ? null : m.createdAt().toString());
        put(headers, TRACEPARENT, m.traceparent());
        put(headers, TRACESTATE, m.tracestate());
        return headers;
    }

    /**
     * The headers of a consumer-side dead letter: the message's own, plus the reason, the original destination
     * and the attempts made, so that it can be inspected and replayed from the dead-letter destination.
     */
    public static Map<String, String> deadLetterHeaders(InboundMessage m, ConsumeOutcome.DeadLettered outcome) {
        Map<String, String> headers = headers(m);
        headers.put(DEAD_LETTER_REASON, outcome.reason());
        headers.put(ORIGINAL_DESTINATION, m.destination());
        headers.put(ATTEMPTS, Integer.toString(outcome.attempts()));
        if (outcome.cause() != null) {
            headers.put(ERROR_CLASS, outcome.cause().getClass().getName());
        }
        return headers;
    }

    /**
     * Reads a received message. A missing or blank id stays null (the consumer treats that as poison unless a
     * fallback id strategy is configured); an unreadable created-at is dropped.
     */
    public static InboundMessage inbound(String destination, byte[] payload, Map<String, String> headers,
                                         int deliveryAttempt) {
        Map<String, String> user = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!FIELDS.contains(name)) {
                user.put(name, value);
            }
        });
        String id = headers.get(MESSAGE_ID);
        return new InboundMessage(id == null || id.isBlank() ? null : id, destination, headers.get(KEY),
                headers.get(TYPE), headers.get(CONTENT_TYPE), payload, user, headers.get(CORRELATION_ID),
                headers.get(CAUSATION_ID), headers.get(TRACEPARENT), headers.get(TRACESTATE),
                instant(headers.get(CREATED_AT)), deliveryAttempt);
    }

    private static void put(Map<String, String> headers, String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
