package dev.outbox.spi;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A message as the outbox stored it: what a {@code MessagePublisher} publishes and what admin queries return.
 *
 * <p>Every envelope field a broker adapter maps to its headers is here. The {@code payload} array is not copied
 * (the relay hands it straight to the broker client); treat it as read-only.
 *
 * <p>Immutable and thread-safe, as long as nobody modifies the payload array.
 *
 * @param id message id (UUIDv7), stable across every publish attempt
 * @param destination topic, exchange or queue
 * @param routingKey broker-specific routing detail, or null
 * @param key ordering key, or null
 * @param partition outbox partition of the key (hash of key mod the partition count), used by ordered relays
 * @param type event type, or null
 * @param contentType MIME type of the payload, or null
 * @param payload the encoded payload
 * @param headers user headers, unmodifiable, never null
 * @param correlationId correlation id, or null
 * @param causationId causation id, or null
 * @param traceparent W3C traceparent, or null
 * @param tracestate W3C tracestate, or null
 * @param createdAt write time
 * @param availableAt earliest publish time
 * @param attempts failed publish attempts so far
 */
public record OutboundMessage(
        UUID id,
        String destination,
        @Nullable String routingKey,
        @Nullable String key,
        int partition,
        @Nullable String type,
        @Nullable String contentType,
        byte[] payload,
        Map<String, String> headers,
        @Nullable String correlationId,
        @Nullable String causationId,
        @Nullable String traceparent,
        @Nullable String tracestate,
        Instant createdAt,
        Instant availableAt,
        int attempts) {

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(availableAt, "availableAt");
        headers = headers == null || headers.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** A copy sent elsewhere: another destination and headers, with {@code attempts} counted (dead-letter copies). */
    public OutboundMessage withDestination(String newDestination, Map<String, String> newHeaders, int newAttempts) {
        return new OutboundMessage(id, newDestination, routingKey, key, partition, type, contentType, payload,
                newHeaders, correlationId, causationId, traceparent, tracestate, createdAt, availableAt, newAttempts);
    }

    /** A copy available again at {@code newAvailableAt} with {@code newAttempts} (a replayed dead letter). */
    public OutboundMessage withAvailability(Instant newAvailableAt, int newAttempts) {
        return new OutboundMessage(id, destination, routingKey, key, partition, type, contentType, payload, headers,
                correlationId, causationId, traceparent, tracestate, createdAt, newAvailableAt, newAttempts);
    }

    @Override
    public String toString() {
        return "OutboundMessage[id=" + id + ", destination=" + destination + ", key=" + key + ", type=" + type
                + ", attempts=" + attempts + "]";
    }
}
