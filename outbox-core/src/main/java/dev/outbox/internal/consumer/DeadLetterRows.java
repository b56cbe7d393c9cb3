package dev.outbox.internal.consumer;

import dev.outbox.internal.Database;
import dev.outbox.internal.DeadLetterStore;
import dev.outbox.internal.MessageValidator;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.Reasons;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a received message into a row of the dead-letter table. Broker fields are unchecked input: what does not fit
 * a column is cut, what is not valid is dropped, control characters become spaces, the payload is capped; the
 * dead letter's reason says what was changed. So storing a dead letter never fails because of the message.
 */
public final class DeadLetterRows {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.IdempotentConsumer");
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private DeadLetterRows() {
    }

    /**
     * A dead-letter row and what was changed to make it fit.
     *
     * @param message the row's message
     * @param changes what was cut or dropped, empty when nothing
     */
    public record Fitted(OutboundMessage message, List<String> changes) {
        /** {@code reason}, followed by what was changed, if anything. */
        public String reason(String reason) {
            return changes.isEmpty() ? reason : reason + " (stored with " + String.join(", ", changes) + ")";
        }
    }

    /**
     * Stores {@code message}'s dead letter in the database dead-letter table, fitted to it, with origin
     * {@code consumer}. Returns false, logged, when the database refuses.
     */
    public static boolean store(Database database, String consumer, InboundMessage message,
                                ConsumeOutcome.DeadLettered outcome, int maxPayloadBytes, Instant now) {
        try {
            return database.withConnection((c, stores) -> {
                Fitted fitted = fit(message, stores.dialect(), maxPayloadBytes, now);
                stores.deadLetters().insert(c, List.of(new DeadLetterStore.Entry(null, fitted.message(), consumer,
                        outcome.attempts(), fitted.reason(String.valueOf(outcome.reason())),
                        outcome.cause() == null ? null : outcome.cause().getClass().getName(), now, false)));
                return true;
            });
        } catch (SQLException | RuntimeException e) {
            log.warn("Consumer {} could not store dead letter {} in the database: {}", consumer,
                    Reasons.forLog(message.id()), Reasons.of(e));
            return false;
        }
    }

    public static Fitted fit(InboundMessage m, Dialect dialect, int maxPayloadBytes, Instant now) {
        List<String> changes = new ArrayList<>();
        String destination = text("destination", m.destination(), dialect, changes);
        byte[] payload = m.payload();
        if (payload.length > maxPayloadBytes) {
            changes.add("the payload cut from " + payload.length + " to " + maxPayloadBytes + " bytes");
            payload = Arrays.copyOf(payload, maxPayloadBytes);
        }
        String traceparent = m.traceparent();
        if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
            changes.add("the traceparent dropped (not W3C)");
            traceparent = null;
        }
        String tracestate = m.tracestate();
        if (tracestate != null && (traceparent == null || tracestate.length() > MessageValidator.MAX_TRACESTATE)) {
            changes.add("the tracestate dropped");
            tracestate = null;
        }
        OutboundMessage row = new OutboundMessage(id(m), destination == null ? "" : destination, null,
                text("key", m.key(), dialect, changes), 0, text("type", m.type(), dialect, changes),
                text("content type", m.contentType(), dialect, changes), payload, headers(m.headers(), changes),
                text("correlation id", m.correlationId(), dialect, changes),
                text("causation id", m.causationId(), dialect, changes), traceparent,
                tracestate == null ? null : Reasons.text(tracestate, MessageValidator.MAX_TRACESTATE),
                m.createdAt() != null ? m.createdAt() : now, now, m.deliveryAttempt());
        return new Fitted(row, changes);
    }

    /** The dead-letter table keys ids as UUIDs; other ids (or none) are mapped to a name-based UUID. */
    static UUID id(InboundMessage m) {
        if (m.id() != null) {
            try {
                if (m.id().length() == 36) {
                    return UUID.fromString(m.id());
                }
            } catch (IllegalArgumentException notAUuid) {
                // a name-based UUID below
            }
            return UUID.nameUUIDFromBytes(m.id().getBytes(StandardCharsets.UTF_8));
        }
        return UUID.nameUUIDFromBytes(m.payload());
    }

    private static String text(String field, String value, Dialect dialect, List<String> changes) {
        if (value == null) {
            return null;
        }
        String clean = Reasons.text(value, value.length());
        if (!clean.equals(value)) {
            changes.add("control characters in the " + field + " replaced");
        }
        if (dialect.textLength(clean) > MessageValidator.MAX_TEXT) {
            changes.add("the " + field + " cut from " + dialect.textLength(clean) + " to " + MessageValidator.MAX_TEXT
                    + " characters");
            clean = Reasons.text(clean, MessageValidator.MAX_TEXT);
            while (dialect.textLength(clean) > MessageValidator.MAX_TEXT) {
                clean = clean.substring(0, clean.length() - 1);
            }
        }
        return clean;
    }

    private static Map<String, String> headers(Map<String, String> headers, List<String> changes) {
        Map<String, String> kept = new LinkedHashMap<>();
        int dropped = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String name = h.getKey();
            if (kept.size() >= MessageValidator.MAX_HEADERS || name.isEmpty()
                    || name.length() > MessageValidator.MAX_HEADER_NAME) {
                dropped++;
                continue;
            }
            String value = h.getValue();
            if (value.length() > MessageValidator.MAX_HEADER_VALUE) {
                changes.add("header '" + Reasons.forLog(name) + "' cut to " + MessageValidator.MAX_HEADER_VALUE
                        + " characters");
            }
            kept.put(Reasons.text(name, name.length()), Reasons.text(value, MessageValidator.MAX_HEADER_VALUE));
        }
        if (dropped > 0) {
            changes.add(dropped + " header(s) dropped (at most " + MessageValidator.MAX_HEADERS + ", names of 1 to "
                    + MessageValidator.MAX_HEADER_NAME + " characters)");
        }
        return kept;
    }
}
