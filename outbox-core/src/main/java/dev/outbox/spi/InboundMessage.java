package dev.outbox.spi;


import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A received message as the consumer side sees it, whatever the broker: the same envelope the relay wrote,
 * read back by {@link Envelope#inbound}. Broker adapters build it; handlers read it.
 *
 * <p>Immutable and thread-safe once built (the header map is an unmodifiable copy; the payload array is shared, so do
 * not modify it).
 *
 * @param id message id, or null when the message carried none
 * @param destination topic, exchange or queue it was received from
 * @param key ordering key, or null
 * @param type event type, or null
 * @param contentType payload MIME type, or null
 * @param payload payload bytes, never null (treat as read-only)
 * @param headers user headers (envelope fields removed), never null
 * @param correlationId correlation id, or null
 * @param causationId causation id, or null
 * @param traceparent W3C traceparent, or null
 * @param tracestate W3C tracestate, or null
 * @param createdAt when the producer wrote it, or null when unknown
 * @param deliveryAttempt the broker's delivery count (1 for the first delivery), or 0 when the broker does not say
 */
public record InboundMessage(
        @Nullable String id,
        String destination,
        @Nullable String key,
        @Nullable String type,
        @Nullable String contentType,
        byte[] payload,
        Map<String, String> headers,
        @Nullable String correlationId,
        @Nullable String causationId,
        @Nullable String traceparent,
        @Nullable String tracestate,
        @Nullable Instant createdAt,
        int deliveryAttempt) {

    public InboundMessage {
        Objects.requireNonNull(destination, "destination");
        payload = payload == null ? new byte[0] : payload;
        headers = copy(headers);
    }

    /** The headers without null names or values, unmodifiable (lookups of null answer null). */
    private static Map<String, String> copy(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Collections.emptyMap();
        }
        Map<String, String> copy = new LinkedHashMap<>(headers.size() * 2);
        headers.forEach((name, value) -> {
            if (name != null && value != null) {
                copy.put(name, value);
            }
        });
        return Collections.unmodifiableMap(copy);
    }

    /** A copy with another id, e.g. from a fallback id strategy. */
    public InboundMessage withId(@Nullable String newId) {
        return new InboundMessage(newId, destination, key, type, contentType, payload, headers, correlationId,
                causationId, traceparent, tracestate, createdAt, deliveryAttempt);
    }

    /** Fields as they may appear in a log line: escaped and shortened, as they come from outside. */
    @Override
    public String toString() {
        return "InboundMessage[id=" + Reasons.forLog(id) + ", destination=" + Reasons.forLog(destination)
                + ", key=" + Reasons.forLog(key) + ", type=" + Reasons.forLog(type) + ", deliveryAttempt="
                + deliveryAttempt + "]";
    }
}
