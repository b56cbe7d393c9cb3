package dev.outbox;

import java.time.Instant;
import java.util.UUID;

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
public record DeadLetterFilter(UUID id, String origin, String destination, String type, String key,
                               String errorClass, Instant failedAfter, Instant failedBefore) {

    /** Every dead letter. */
    public static DeadLetterFilter all() {
        return new DeadLetterFilter(null, null, null, null, null, null, null, null);
    }

    /** The dead letter(s) of one message id. */
    public static DeadLetterFilter byId(UUID id) {
        return all().withId(id);
    }

    public DeadLetterFilter withId(UUID id) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    /** Only the relay's dead letters ({@value DeadLetter#RELAY_ORIGIN}), or one consumer's (its name). */
    public DeadLetterFilter withOrigin(String origin) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withDestination(String destination) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withType(String type) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withKey(String key) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withErrorClass(String errorClass) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withFailedAfter(Instant failedAfter) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }

    public DeadLetterFilter withFailedBefore(Instant failedBefore) {
        return new DeadLetterFilter(id, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }
}
