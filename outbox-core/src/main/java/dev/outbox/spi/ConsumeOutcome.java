package dev.outbox.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link MessageProcessor} (the {@code IdempotentConsumer}) did with a message, and so what the broker
 * binding does next: one of exactly four cases.
 *
 * <ul>
 *   <li>{@link Processed} and {@link Duplicate}: acknowledge the message.
 *   <li>{@link DeadLettered}: publish it to the broker's dead-letter destination with {@link #reason()} (unless
 *       {@link DeadLettered#stored()}: it is already in the database dead-letter table), then acknowledge it.
 *   <li>{@link NotProcessed}: do not acknowledge; the broker redelivers it later. When it is an
 *       {@link NotProcessed#outage() outage} (the database could not be reached) the message is not at fault and
 *       comes back for as long as the outage lasts; otherwise a binding dead-letters a message that keeps coming
 *       back not processed ({@link Deliveries#DEFAULT_MAX_UNSETTLED} times).
 * </ul>
 *
 * <p>Every outcome is immutable and thread-safe.
 */
public sealed interface ConsumeOutcome {

    /** Why, for dead letters and unprocessed messages; null otherwise. */
    default @Nullable String reason() {
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
     * @param reason what went wrong, for the dead letter's headers: the exception class and a short message
     * @param cause the last exception, or null
     * @param attempts attempts made, broker redeliveries included
     * @param stored true when the consumer already stored it in the database dead-letter table
     */
    record DeadLettered(String reason, @Nullable Throwable cause, int attempts, boolean stored) implements ConsumeOutcome {
    }

    /**
     * Nothing was committed and the message must not be acknowledged.
     *
     * @param reason why
     * @param cause the failure, or null
     * @param outage true when a dependency (the database) was unreachable: the message is not at fault, and it is
     *     never dead-lettered for this
     */
    record NotProcessed(String reason, @Nullable Throwable cause, boolean outage) implements ConsumeOutcome {
        /** Not processed for a reason that may be the message's: repeated often enough, it is dead-lettered. */
        public NotProcessed(String reason, @Nullable Throwable cause) {
            this(reason, cause, false);
        }
    }
}
