package dev.outbox;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Selects dead letters for {@link OutboxAdmin}: all of them, or those matching every condition set. Immutable;
 * each {@code with...} method returns a narrower copy. Text conditions compare exactly (case and trailing spaces
 * count).
 *
 * @param id message id, or null for any
 * @param origin {@value DeadLetter#RELAY_ORIGIN} for the relay's dead letters, a consumer's name for that
 *     consumer's, or null for any
 * @param destination destination, or null for any
 * @param type message type, or null for any
 * @param key message key, or null for any
 * @param errorClass class of the last error (e.g. {@code java.lang.IllegalStateException}), or null for any
 * @param failedAfter only dead letters that failed at or after this instant, or null for any
 * @param failedBefore only dead letters that failed before this instant, or null for any
 */
public record DeadLetterFilter(@Nullable UUID id, @Nullable String origin, @Nullable String destination,
                               @Nullable String type, @Nullable String key, @Nullable String errorClass,
                               @Nullable Instant failedAfter, @Nullable Instant failedBefore) {

    /** Every dead letter. */
    public static DeadLetterFilter all() {
        return new DeadLetterFilter(null, null, null, null, null, null, null, null);
    }

    /** The dead letter(s) of one message id. */
    public static DeadLetterFilter byId(UUID id) {
        return all().withId(id);
    }

    public DeadLetterFilter withId(@Nullable UUID id) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    /** Only the relay's dead letters ({@value DeadLetter#RELAY_ORIGIN}), or one consumer's (its name). */
    public DeadLetterFilter withOrigin(@Nullable String origin) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withDestination(@Nullable String destination) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withType(@Nullable String type) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withKey(@Nullable String key) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withErrorClass(@Nullable String errorClass) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withFailedAfter(@Nullable Instant failedAfter) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withFailedBefore(@Nullable Instant failedBefore) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }
}
