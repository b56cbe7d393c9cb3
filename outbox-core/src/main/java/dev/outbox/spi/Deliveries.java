package dev.outbox.spi;

import dev.outbox.ConsumeOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision every consumer binding makes for a delivery, in one place: hand it to the {@link MessageProcessor} and
 * say whether the broker may be acknowledged. A binding (the shipped ones, or your own) only adds what its broker
 * does with the answer: ack, or leave the message for redelivery.
 */
public final class Deliveries {
    private static final Logger log = LoggerFactory.getLogger(Deliveries.class);

    private Deliveries() {
    }

    /** Publishes a dead letter to the broker's dead-letter destination; true once the broker has it. */
    @FunctionalInterface
    public interface DeadLetterSender {
        boolean send(InboundMessage message, ConsumeOutcome.DeadLettered outcome);
    }

    /**
     * Processes one delivery. True when the binding may acknowledge it: processed, a duplicate, or dead-lettered
     * (stored in the database, or accepted by {@code deadLetters}). False when it must be left for redelivery: not
     * processed (e.g. the database was down), the processor threw, or the dead letter could not be sent.
     */
    public static boolean settle(MessageProcessor processor, InboundMessage message, DeadLetterSender deadLetters) {
        ConsumeOutcome outcome;
        try {
            outcome = processor.process(message);
        } catch (RuntimeException e) {
            log.warn("Processing message {} from {} failed; it will be delivered again: {}", message.id(),
                    message.destination(), e.toString());
            return false;
        }
        if (outcome instanceof ConsumeOutcome.NotProcessed notProcessed) {
            log.warn("Message {} from {} was not processed; it will be delivered again: {}", message.id(),
                    message.destination(), notProcessed.reason());
            return false;
        }
        if (outcome instanceof ConsumeOutcome.DeadLettered dead && !dead.stored()) {
            return deadLetters.send(message, dead);
        }
        return true;
    }
}
