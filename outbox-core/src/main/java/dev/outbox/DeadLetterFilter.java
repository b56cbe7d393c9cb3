package dev.outbox;

import java.time.Instant;
import java.util.UUID;

/**
 * Selects dead letters for {@link OutboxAdmin}: all of them, or those matching every condition set. Immutable;
 * each {@code with...} method returns a narrower copy.
 *
 * @param id message id, or null for any
 * @param destination destination, or null for any
 * @param type message type, or null for any
 * @param key message key, or null for any
 * @param failedBefore only dead letters that failed before this instant, or null for any
 */
public record DeadLetterFilter(UUID id, String destination, String type, String key, Instant failedBefore) {

    /** Every dead letter. */
    public static DeadLetterFilter all() {
        return new DeadLetterFilter(null, null, null, null, null);
    }

    /** The dead letter(s) of one message id. */
    public static DeadLetterFilter byId(UUID id) {
        return all().withId(id);
    }

    public DeadLetterFilter withId(UUID id) {
        return new DeadLetterFilter(id, destination, type, key, failedBefore);
    }

    public DeadLetterFilter withDestination(String destination) {
        return new DeadLetterFilter(id, destination, type, key, failedBefore);
    }

    public DeadLetterFilter withType(String type) {
        return new DeadLetterFilter(id, destination, type, key, failedBefore);
    }

    public DeadLetterFilter withKey(String key) {
        return new DeadLetterFilter(id, destination, type, key, failedBefore);
    }

    public DeadLetterFilter withFailedBefore(Instant failedBefore) {
        return new DeadLetterFilter(id, destination, type, key, failedBefore);
    }
}
