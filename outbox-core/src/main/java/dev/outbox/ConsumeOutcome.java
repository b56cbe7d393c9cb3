package dev.outbox;

/**
 * What {@link IdempotentConsumer#process} did with a message, and so what the broker binding does next: one of
 * exactly four cases.
 *
 * <ul>
 *   <li>{@link Processed} and {@link Duplicate}: acknowledge the message.
 *   <li>{@link DeadLettered}: publish it to the broker's dead-letter destination with {@link #reason()} (unless
 *       {@link DeadLettered#stored()}: it is already in the database dead-letter table), then acknowledge it.
 *   <li>{@link NotProcessed}: do not acknowledge; the broker redelivers it later (the database was unreachable,
 *       or the consumer is closing).
 * </ul>
 */
public sealed interface ConsumeOutcome {

    /** Why, for dead letters and unprocessed messages; null otherwise. */
    default String reason() {
        return null;
    }

    /** The handler's transaction committed. */
    record Processed() implements ConsumeOutcome {
    }

    /** The message had been processed before; nothing was done. */
    record Duplicate() implements ConsumeOutcome {
    }

    /**
     * The message was given up on after {@code attempts} attempts.
     *
     * @param reason what went wrong, for the dead letter's headers
     * @param cause the last exception, or null
     * @param attempts attempts made, broker redeliveries included
     * @param stored true when the consumer already stored it in the database dead-letter table
     */
    record DeadLettered(String reason, Throwable cause, int attempts, boolean stored) implements ConsumeOutcome {
    }

    /** Nothing was committed and the message must not be acknowledged. */
    record NotProcessed(String reason, Throwable cause) implements ConsumeOutcome {
    }
}
