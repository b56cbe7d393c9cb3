package dev.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One event to publish: where to ({@link #destination()}), in which order ({@link #key()}), what it is
 * ({@link #type()}, payload, headers) and how it relates to others (correlation, causation, trace context).
 *
 * <p>Immutable and thread-safe. The message id is not part of it: {@link Outbox#write} assigns a time-ordered
 * UUIDv7 when it stores the message and returns it. Structural mistakes (no destination, a null header) are
 * rejected by {@link Builder#build()}; limits that depend on the outbox's configuration (payload size, column
 * lengths, delay) are checked by the writer before any SQL runs.
 *
 * <pre>{@code
 * OutboxMessage message = OutboxMessage.builder()
 *         .destination("orders")
 *         .key(order.id())
 *         .type("OrderPlaced")
 *         .payload(new OrderPlaced(order.id(), order.total()))
 *         .correlationId(requestId)
 *         .build();
 * }</pre>
 */
public final class OutboxMessage {
    private final String destination;
    private final @Nullable String routingKey;
    private final @Nullable String key;
    private final @Nullable String type;
    private final @Nullable Object payload;
    private final byte @Nullable [] rawPayload;
    private final @Nullable String contentType;
    private final Map<String, String> headers;
    private final @Nullable String correlationId;
    private final @Nullable String causationId;
    private final @Nullable String traceparent;
    private final @Nullable String tracestate;
    private final @Nullable Instant availableAt;
    private final @Nullable Duration delay;

    /** From a builder whose {@code build()} checked it: the destination is set. */
    private OutboxMessage(Builder b) {
        destination = Objects.requireNonNull(b.destination, "destination");
        routingKey = b.routingKey;
        key = b.key;
        type = b.type;
        payload = b.payload;
        rawPayload = b.rawPayload;
        contentType = b.contentType;
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        correlationId = b.correlationId;
        causationId = b.causationId;
        traceparent = b.traceparent;
        tracestate = b.tracestate;
        availableAt = b.availableAt;
        delay = b.delay;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this message's values, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.destination = destination;
        b.routingKey = routingKey;
        b.key = key;
        b.type = type;
        b.payload = payload;
        b.rawPayload = rawPayload;
        b.contentType = contentType;
        b.headers.putAll(headers);
        b.correlationId = correlationId;
        b.causationId = causationId;
        b.traceparent = traceparent;
        b.tracestate = tracestate;
        b.availableAt = availableAt;
        b.delay = delay;
        return b;
    }

    /** Topic (Kafka), exchange (RabbitMQ) or queue (SQS), as the adapter's destination mapping reads it. */
    public String destination() {
        return destination;
    }

    /** Broker-specific routing detail, e.g. the RabbitMQ routing key; null when not set. */
    public @Nullable String routingKey() {
        return routingKey;
    }

    /** The ordering and partitioning key (an aggregate id, say); null for messages with no order among them. */
    public @Nullable String key() {
        return key;
    }

    /** The event type consumers dispatch on, e.g. {@code OrderPlaced}; may be null. */
    public @Nullable String type() {
        return type;
    }

    /** The payload object to encode with the outbox's codec, or null when {@link #rawPayload()} is set. */
    public @Nullable Object payload() {
        return payload;
    }

    /** The payload bytes as given, or null when {@link #payload()} is set. Returns a copy. */
    public byte @Nullable [] rawPayload() {
        return rawPayload == null ? null : rawPayload.clone();
    }

    /** The raw payload without a copy, for the writer. */
    byte @Nullable [] rawPayloadBytes() {
        return rawPayload;
    }

    /** Content type given with the raw payload; null means the codec's content type (or none for raw bytes). */
    public @Nullable String contentType() {
        return contentType;
    }

    /** User headers, in insertion order; never null. */
    public Map<String, String> headers() {
        return headers;
    }

    public @Nullable String correlationId() {
        return correlationId;
    }

    public @Nullable String causationId() {
        return causationId;
    }

    /** W3C {@code traceparent}; when null the writer captures the current trace context, if any. */
    public @Nullable String traceparent() {
        return traceparent;
    }

    public @Nullable String tracestate() {
        return tracestate;
    }

    /** Earliest publish time, or null: see {@link Builder#availableAt(Instant)}. */
    public @Nullable Instant availableAt() {
        return availableAt;
    }

    /** Publish delay from write time, or null: see {@link Builder#delay(Duration)}. */
    public @Nullable Duration delay() {
        return delay;
    }

    @Override
    public String toString() {
        return "OutboxMessage[destination=" + destination + ", key=" + key + ", type=" + type + "]";
    }

    /** Builds an {@link OutboxMessage}. Not thread-safe; {@link #build()} may be called more than once. */
    public static final class Builder {
        private @Nullable String destination;
        private @Nullable String routingKey;
        private @Nullable String key;
        private @Nullable String type;
        private @Nullable Object payload;
        private byte @Nullable [] rawPayload;
        private @Nullable String contentType;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private @Nullable String correlationId;
        private @Nullable String causationId;
        private @Nullable String traceparent;
        private @Nullable String tracestate;
        private @Nullable Instant availableAt;
        private @Nullable Duration delay;

        private Builder() {
        }

        /** Required: topic, exchange or queue name. */
        public Builder destination(String destination) {
            this.destination = destination;
            return this;
        }

        public Builder routingKey(@Nullable String routingKey) {
            this.routingKey = routingKey;
            return this;
        }

        /** Messages with the same key are published in write order when the relay orders by key. */
        public Builder key(@Nullable String key) {
            this.key = key;
            return this;
        }

        public Builder type(@Nullable String type) {
            this.type = type;
            return this;
        }

        /** A payload object, encoded at write time by the outbox's {@code PayloadCodec} (JSON by default). */
        public Builder payload(Object payload) {
            if (payload == null) {
                throw new IllegalArgumentException("OutboxMessage.payload is null: give the object to encode, or "
                        + "rawPayload(new byte[0]) for a message without content");
            }
            this.payload = payload;
            this.rawPayload = null;
            return this;
        }

        /** Payload bytes stored and published as they are. */
        public Builder rawPayload(byte[] bytes) {
            return rawPayload(bytes, null);
        }

        /** Payload bytes stored and published as they are, with their MIME type (may be null). */
        public Builder rawPayload(byte[] bytes, @Nullable String contentType) {
            if (bytes == null) {
                throw new IllegalArgumentException("OutboxMessage.rawPayload is null: give the bytes to publish "
                        + "(new byte[0] for a message without content)");
            }
            this.rawPayload = bytes.clone();
            this.contentType = contentType;
            this.payload = null;
            return this;
        }

        /** Adds a user header. Names and values must not be null. */
        public Builder header(String name, String value) {
            if (name == null) {
                throw new IllegalArgumentException("OutboxMessage header name is null: every header needs a name");
            }
            if (value == null) {
                throw new IllegalArgumentException("OutboxMessage header '" + name
                        + "' has a null value: omit the header or give it a value (\"\" is allowed)");
            }
            headers.put(name, value);
            return this;
        }

        /** Adds every entry of {@code headers}, see {@link #header}. */
        public Builder headers(Map<String, String> headers) {
            if (headers == null) {
                throw new IllegalArgumentException("OutboxMessage.headers is null: pass a map (it may be empty)");
            }
            headers.forEach(this::header);
            return this;
        }

        public Builder correlationId(@Nullable String correlationId) {
            this.correlationId = correlationId;
            return this;
        }

        public Builder causationId(@Nullable String causationId) {
            this.causationId = causationId;
            return this;
        }

        /** Sets the W3C trace context explicitly instead of capturing the current one at write time. */
        public Builder traceContext(@Nullable String traceparent, @Nullable String tracestate) {
            this.traceparent = traceparent;
            this.tracestate = tracestate;
            return this;
        }

        /** Not published before this instant (delayed delivery). Exclusive with {@link #delay}. */
        public Builder availableAt(@Nullable Instant availableAt) {
            this.availableAt = availableAt;
            this.delay = null;
            return this;
        }

        /** Not published before write time plus this delay. Exclusive with {@link #availableAt}. */
        public Builder delay(@Nullable Duration delay) {
            this.delay = delay;
            this.availableAt = null;
            return this;
        }

        /**
         * Checks what the message alone can tell and builds it.
         *
         * @throws IllegalArgumentException naming the field when the destination is missing or blank, no payload
         *     was given, or the delay is negative
         */
        public OutboxMessage build() {
            if (destination == null || destination.isBlank()) {
                throw new IllegalArgumentException("OutboxMessage.destination is "
                        + (destination == null ? "null" : "blank")
                        + ": set the topic, exchange or queue with builder().destination(...)");
            }
            if (payload == null && rawPayload == null) {
                throw new IllegalArgumentException("OutboxMessage has no payload: call payload(object) or "
                        + "rawPayload(bytes) (an empty array is allowed)");
            }
            if (delay != null && delay.isNegative()) {
                throw new IllegalArgumentException("OutboxMessage.delay is negative (" + delay
                        + "): use Duration.ZERO or a positive delay");
            }
            return new OutboxMessage(this);
        }
    }
}
