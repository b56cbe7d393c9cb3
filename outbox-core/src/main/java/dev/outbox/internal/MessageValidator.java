package dev.outbox.internal;

import dev.outbox.OutboxMessage;
import dev.outbox.TableNames;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks a message against the schema's column sizes and the writer's limits before any SQL runs, so that a bad
 * message fails alone with a message naming the field, its limit and its size, and nothing is half-written.
 */
public final class MessageValidator {
    /** VARCHAR(255) columns: destination, routing key, key, type, content type, correlation and causation ids. */
    public static final int MAX_TEXT = 255;
    public static final int MAX_HEADER_NAME = 255;
    /** Generous for ids and small values; large data belongs in the payload. */
    public static final int MAX_HEADER_VALUE = 8192;
    /** Keeps the envelope mappable to every broker's header limits. */
    public static final int MAX_HEADERS = 64;
    /** The W3C recommendation for tracestate propagation. */
    public static final int MAX_TRACESTATE = 512;
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private final int maxPayloadBytes;
    private final Duration maxDelay;
    private final String table;

    public MessageValidator(int maxPayloadBytes, Duration maxDelay, TableNames tables) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxDelay = maxDelay;
        this.table = tables.message();
    }

    /** Checks the fields of {@code message}; the payload and times are checked by their own methods. */
    public void validateFields(OutboxMessage message) {
        text("destination", "destination", message.destination());
        text("routingKey", "routing_key", message.routingKey());
        text("key", "message_key", message.key());
        text("type", "message_type", message.type());
        text("contentType", "content_type", message.contentType());
        text("correlationId", "correlation_id", message.correlationId());
        text("causationId", "causation_id", message.causationId());
        headers(message.headers());
    }

    /** Checks a trace context, whether set by the caller or captured. */
    public void validateTrace(String traceparent, String tracestate) {
        if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
            throw new IllegalArgumentException("OutboxMessage.traceparent '" + traceparent
                    + "' is not a W3C traceparent (version-traceid-spanid-flags, lower-case hex, 55 characters)");
        }
        if (tracestate != null) {
            if (traceparent == null) {
                throw new IllegalArgumentException("OutboxMessage.tracestate is set without a traceparent: "
                        + "a tracestate only means something beside its traceparent");
            }
            limit("tracestate", "tracestate", tracestate, MAX_TRACESTATE);
        }
    }

    public void validatePayload(byte[] payload) {
        if (payload.length > maxPayloadBytes) {
            throw new IllegalArgumentException("OutboxMessage payload is " + payload.length
                    + " bytes; the limit is " + maxPayloadBytes + " bytes (Outbox.builder().maxPayloadBytes). "
                    + "Store large data elsewhere and send a reference, or raise the limit within your broker's");
        }
    }

    public void validateAvailableAt(Instant availableAt, Instant now) {
        if (availableAt.isAfter(now.plus(maxDelay))) {
            throw new IllegalArgumentException("OutboxMessage.availableAt " + availableAt + " is "
                    + Duration.between(now, availableAt).toDays() + " days away; the limit is " + maxDelay.toDays()
                    + " days (Outbox.builder().maxDelay). Schedule far-future work elsewhere, or raise the limit");
        }
    }

    private void text(String field, String column, String value) {
        if (value != null) {
            limit(field, column, value, MAX_TEXT);
        }
    }

    private void limit(String field, String column, String value, int max) {
        int length = value.codePointCount(0, value.length());
        if (length > max) {
            throw new IllegalArgumentException("OutboxMessage." + field + " is " + length
                    + " characters; the limit is " + max + " (column " + table + "." + column + "). Shorten it");
        }
        noNul(field, value);
    }

    private void headers(Map<String, String> headers) {
        if (headers.size() > MAX_HEADERS) {
            throw new IllegalArgumentException("OutboxMessage has " + headers.size() + " headers; the limit is "
                    + MAX_HEADERS + ". Move data into the payload");
        }
        headers.forEach((name, value) -> {
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME) {
                throw new IllegalArgumentException("OutboxMessage header name '" + abbreviate(name) + "' is "
                        + name.length() + " characters; names must be 1 to " + MAX_HEADER_NAME + " characters");
            }
            if (value.length() > MAX_HEADER_VALUE) {
                throw new IllegalArgumentException("OutboxMessage header '" + name + "' value is " + value.length()
                        + " characters; the limit is " + MAX_HEADER_VALUE + ". Move large data into the payload");
            }
            noNul("header '" + name + "'", name + value);
        });
    }

    private static void noNul(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("OutboxMessage." + field
                    + " contains a NUL character (\\u0000), which databases reject in text columns. Remove it");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
