package dev.outbox.spi;


import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The header names every adapter puts on the wire, and the one mapping between them and the message types, so
 * that a message reads back the same on every broker. Adapters may carry some fields in native properties too
 * (AMQP {@code message_id}, Kafka record key) but always accept these headers.
 *
 * <p>Stateless and thread-safe.
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
    /**
     * Added to a dead letter sent without its payload because the dead-letter destination would not take it in
     * full: the payload's size in bytes.
     */
    public static final String PAYLOAD_DROPPED = "outbox-payload-dropped";
    /** Longest value of a header in a stripped dead letter. */
    private static final int STRIPPED_VALUE = 1024;
    private static final Pattern TRACEPARENT_FORMAT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final int MAX_TRACESTATE = 512;

    private static final Set<String> FIELDS = Set.of(MESSAGE_ID, TYPE, KEY, CONTENT_TYPE, CORRELATION_ID,
            CAUSATION_ID, CREATED_AT, TRACEPARENT, TRACESTATE);

    private Envelope() {
    }

    /** User headers followed by the envelope fields that are set; envelope fields win over user headers. */
    public static Map<String, String> headers(OutboundMessage m) {
        Map<String, String> headers = new LinkedHashMap<>(m.headers().size() + 12);
        each(m, headers::put);
        return headers;
    }

    /** Receives the headers of an outbound message one by one. */
    @FunctionalInterface
    public interface HeaderVisitor {
        void header(String name, String value);
    }

    /**
     * Hands {@code visitor} the user headers (except those an envelope field overrides) and then each envelope field
     * that is set, in a fixed order, without building a map: what publishers put on the wire per message.
     */
    public static void each(OutboundMessage m, HeaderVisitor visitor) {
        if (!m.headers().isEmpty()) {
            m.headers().forEach((name, value) -> {
                if (!FIELDS.contains(name)) {
                    visitor.header(name, value);
                }
            });
        }
        visitor.header(MESSAGE_ID, m.id().toString());
        visit(visitor, TYPE, m.type());
        visit(visitor, KEY, m.key());
        visit(visitor, CONTENT_TYPE, m.contentType());
        visit(visitor, CORRELATION_ID, m.correlationId());
        visit(visitor, CAUSATION_ID, m.causationId());
        visitor.header(CREATED_AT, createdAt(m.createdAt()));
        visit(visitor, TRACEPARENT, m.traceparent());
        visit(visitor, TRACESTATE, m.tracestate());
    }

    /** The last creation time formatted: the messages of one transaction, claimed together, share theirs. */
    private static volatile Formatted lastCreatedAt = new Formatted(Instant.EPOCH, Instant.EPOCH.toString());

    private record Formatted(Instant instant, String text) {
    }

    /** {@code createdAt} in ISO-8601, as {@link Instant#toString()} writes it. */
    static String createdAt(Instant createdAt) {
        Formatted last = lastCreatedAt;
        if (last.instant().equals(createdAt)) {
            return last.text();
        }
        String text = createdAt.toString();
        lastCreatedAt = new Formatted(createdAt, text);
        return text;
    }

    private static void visit(HeaderVisitor visitor, String name, @Nullable String value) {
        if (value != null) {
            visitor.header(name, value);
        }
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
        headers.putAll(reasonHeaders(m, outcome));
        return headers;
    }

    /**
     * The headers of a dead letter sent without its payload, when the dead-letter destination refused it in full:
     * only the reason headers, the id, type and key (each cut to 1,024 characters, control characters removed),
     * and {@link #PAYLOAD_DROPPED} with the payload's size. What is lost is said in the reason.
     */
    public static Map<String, String> strippedDeadLetterHeaders(InboundMessage m, ConsumeOutcome.DeadLettered outcome) {
        Map<String, String> headers = new LinkedHashMap<>();
        put(headers, MESSAGE_ID, Reasons.textOrNull(m.id(), STRIPPED_VALUE));
        put(headers, TYPE, Reasons.textOrNull(m.type(), STRIPPED_VALUE));
        put(headers, KEY, Reasons.textOrNull(m.key(), STRIPPED_VALUE));
        headers.putAll(reasonHeaders(m, outcome));
        headers.put(ORIGINAL_DESTINATION, Reasons.text(m.destination(), STRIPPED_VALUE));
        headers.put(DEAD_LETTER_REASON, Reasons.text(outcome.reason() + " (sent without its payload of "
                + m.payload().length + " bytes and its other headers: the dead-letter destination refused it in full)",
                Reasons.MAX_REASON));
        headers.put(PAYLOAD_DROPPED, Integer.toString(m.payload().length));
        return headers;
    }

    private static Map<String, String> reasonHeaders(InboundMessage m, ConsumeOutcome.DeadLettered outcome) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(DEAD_LETTER_REASON, Reasons.text(String.valueOf(outcome.reason()), Reasons.MAX_REASON));
        headers.put(ORIGINAL_DESTINATION, m.destination());
        headers.put(ATTEMPTS, Integer.toString(outcome.attempts()));
        if (outcome.cause() != null) {
            headers.put(ERROR_CLASS, outcome.cause().getClass().getName());
        }
        return headers;
    }

    /**
     * Reads a received message. A missing or blank id stays null (the consumer treats that as poison unless a
     * fallback id strategy is configured); an unreadable created-at, a {@code traceparent} that is not W3C and a
     * {@code tracestate} without one (or over 512 characters) are dropped: they describe, they never decide.
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
        String traceparent = headers.get(TRACEPARENT);
        traceparent = traceparent != null && TRACEPARENT_FORMAT.matcher(traceparent).matches() ? traceparent : null;
        String tracestate = headers.get(TRACESTATE);
        tracestate = traceparent != null && tracestate != null && tracestate.length() <= MAX_TRACESTATE
                ? tracestate : null;
        return new InboundMessage(id == null || id.isBlank() ? null : id, destination, headers.get(KEY),
                headers.get(TYPE), headers.get(CONTENT_TYPE), payload, user, headers.get(CORRELATION_ID),
                headers.get(CAUSATION_ID), traceparent, tracestate, instant(headers.get(CREATED_AT)),
                deliveryAttempt);
    }

    private static void put(Map<String, String> headers, String name, @Nullable String value) {
        if (value != null) {
            headers.put(name, value);
        }
    }

    private static @Nullable Instant instant(@Nullable String text) {
        try {
            return text == null || text.length() > 64 ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
