package dev.outbox.spi;

import dev.outbox.ConsumeOutcome;

/**
 * What a broker's consumer binding hands each received message to; {@code IdempotentConsumer} is the one to use.
 *
 * <p>Binding contract, proved for a real broker by extending {@code ConsumerBindingContract} from the core
 * test-jar: acknowledge {@link ConsumeOutcome.Processed} and {@link ConsumeOutcome.Duplicate}; publish
 * {@link ConsumeOutcome.DeadLettered} to the broker's dead-letter destination with
 * {@link Envelope#deadLetterHeaders} (unless already stored) and then acknowledge it; leave
 * {@link ConsumeOutcome.NotProcessed}, and any exception thrown by {@code process}, unacknowledged so that the
 * broker delivers the message again. Never acknowledge before {@code process} has returned.
 * {@link Deliveries#settle} makes that decision for a binding.
 */
@FunctionalInterface
public interface MessageProcessor {

    ConsumeOutcome process(InboundMessage message);
}
