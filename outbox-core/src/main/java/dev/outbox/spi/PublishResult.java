package dev.outbox.spi;

import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of publishing one message: one of exactly three cases (a sealed type), so neither the relay nor a
 * publisher can forget one.
 *
 * <ul>
 *   <li>{@link Acked}: the broker confirmed it; the relay deletes the row.
 *   <li>{@link Failed}: it may succeed later; the relay retries with backoff, counting attempts towards the
 *       dead-letter policy, except when the cause is a {@link BrokerUnavailableException} (the broker could not be
 *       reached), which is retried without being counted.
 *   <li>{@link Rejected}: it can never succeed as it is (too large, not authorized, no such destination); the relay
 *       dead-letters it at once.
 * </ul>
 *
 * <p>Every result is immutable and thread-safe.
 */
public sealed interface PublishResult {

    /** The id of the message this result is for. */
    UUID messageId();

    static PublishResult acked(UUID messageId) {
        return new Acked(messageId);
    }

    static PublishResult failed(UUID messageId, Throwable cause) {
        return new Failed(messageId, cause);
    }

    static PublishResult rejected(UUID messageId, String reason) {
        return new Rejected(messageId, reason, null);
    }

    static PublishResult rejected(UUID messageId, String reason, @Nullable Throwable cause) {
        return new Rejected(messageId, reason, cause);
    }

    /** The broker confirmed the message. */
    record Acked(UUID messageId) implements PublishResult {
        public Acked {
            Objects.requireNonNull(messageId, "messageId");
        }
    }

    /** A failure worth retrying. */
    record Failed(UUID messageId, Throwable cause) implements PublishResult {
        public Failed {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** A failure no retry can fix; {@code cause} may be null. */
    record Rejected(UUID messageId, String reason, @Nullable Throwable cause) implements PublishResult {
        public Rejected {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
