package dev.outbox.internal;

import dev.outbox.OutboxMessage;
import dev.outbox.TableNames;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks a message against the schema's column sizes and the writer's limits before anything is written, so that a
 * bad message fails alone with a message naming the field, its limit and its size, and nothing is half-written.
 * Lengths are counted as the database counts them ({@link Dialect#textLength}). Text must be valid Unicode; names
 * and ids (destination, key, type, ids) must not contain control characters, which forge log lines and which some
 * brokers refuse; header values may contain tabs and line breaks, nothing else below U+0020.
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
    public void validateFields(OutboxMessage message, Dialect dialect) {
        name("destination", "destination", message.destination(), dialect);
        name("routingKey", "routing_key", message.routingKey(), dialect);
        name("key", "message_key", message.key(), dialect);
        name("type", "message_type", message.type(), dialect);
        name("contentType", "content_type", message.contentType(), dialect);
        name("correlationId", "correlation_id", message.correlationId(), dialect);
        name("causationId", "causation_id", message.causationId(), dialect);
        headers(message.headers());
    }

    /** Checks a trace context, whether set by the caller or captured. */
    public void validateTrace(String traceparent, String tracestate) {
        if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
            throw new IllegalArgumentException("OutboxMessage.traceparent '" + Reasons.forLog(traceparent)
                    + "' is not a W3C traceparent (version-traceid-spanid-flags, lower-case hex, 55 characters)");
        }
        if (tracestate != null) {
            if (traceparent == null) {
                throw new IllegalArgumentException("OutboxMessage.tracestate is set without a traceparent: "
                        + "a tracestate only means something beside its traceparent");
            }
            if (tracestate.length() > MAX_TRACESTATE) {
                throw new IllegalArgumentException("OutboxMessage.tracestate is " + tracestate.length()
                        + " characters; the limit is " + MAX_TRACESTATE + " (column " + table + ".tracestate)");
            }
            characters("tracestate", tracestate, false);
        }
    }

    public void validatePayload(byte[] payload) {
        if (payload == null) {
            throw new IllegalArgumentException("OutboxMessage payload encoded to null: the codec must return bytes");
        }
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

    private void name(String field, String column, String value, Dialect dialect) {
        if (value == null) {
            return;
        }
        int length = dialect.textLength(value);
        if (length > MAX_TEXT) {
            throw new IllegalArgumentException("OutboxMessage." + field + " is " + length + " characters (as "
                    + dialect.name() + " counts them); the limit is " + MAX_TEXT + " (column " + table + "." + column
                    + "). Shorten it");
        }
        characters(field, value, false);
    }

    private void headers(Map<String, String> headers) {
        if (headers.size() > MAX_HEADERS) {
            throw new IllegalArgumentException("OutboxMessage has " + headers.size() + " headers; the limit is "
                    + MAX_HEADERS + ". Move data into the payload");
        }
        headers.forEach((name, value) -> {
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME) {
                throw new IllegalArgumentException("OutboxMessage header name '" + Reasons.forLog(name) + "' is "
                        + name.length() + " characters; names must be 1 to " + MAX_HEADER_NAME + " characters");
            }
            characters("header name '" + Reasons.forLog(name) + "'", name, false);
            if (value.length() > MAX_HEADER_VALUE) {
                throw new IllegalArgumentException("OutboxMessage header '" + Reasons.forLog(name) + "' value is "
                        + value.length() + " characters; the limit is " + MAX_HEADER_VALUE
                        + ". Move large data into the payload");
            }
            characters("header '" + Reasons.forLog(name) + "'", value, true);
        });
    }

    /** Rejects control characters (line breaks and tabs only where {@code lineBreaks}) and broken Unicode. */
    private static void characters(String field, String value, boolean lineBreaks) {
        String problem = Texts.problem(value, lineBreaks);
        if (problem != null) {
            throw new IllegalArgumentException("OutboxMessage." + field + " contains " + problem + ", which "
                    + (problem.contains("NUL") ? "databases reject in text columns" : "brokers and logs cannot carry "
                    + "safely") + ". Remove it" + (lineBreaks ? "" : " (only printable characters are allowed here)"));
        }
    }
}
