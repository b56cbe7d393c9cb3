package dev.outbox.spi;

/**
 * What a broker's consumer binding hands each received message to; {@code IdempotentConsumer} is the one to use.
 *
 * <p>Binding contract, proved for a real broker by extending {@code ConsumerBindingContract} from the core
 * test-jar: acknowledge {@link ConsumeOutcome.Processed} and {@link ConsumeOutcome.Duplicate}; publish
 * {@link ConsumeOutcome.DeadLettered} to the broker's dead-letter destination with
 * {@link Envelope#deadLetterHeaders} (unless already stored) and then acknowledge it; leave
 * {@link ConsumeOutcome.NotProcessed}, and any exception thrown by {@code process}, unacknowledged so that the
 * broker delivers the message again, and dead-letter a message that keeps coming back so. Never acknowledge before
 * {@code process} has returned. A {@link Deliveries} makes those decisions for a binding.
 *
 * <p>Implementations are called from several binding threads at once and must be thread-safe.
 */
@FunctionalInterface
public interface MessageProcessor {

    ConsumeOutcome process(InboundMessage message);

    /**
     * Stores a dead letter that the broker's dead-letter destination would not take (too large, or the
     * destination refuses it), so that it still leaves the queue instead of stalling it. The default cannot and
     * returns false; {@code IdempotentConsumer} stores it in the database dead-letter table.
     *
     * @return true when the dead letter is stored and the message may be acknowledged
     */
    default boolean storeDeadLetter(InboundMessage message, ConsumeOutcome.DeadLettered outcome) {
        return false;
    }
}
