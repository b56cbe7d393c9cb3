package dev.outbox;

import dev.outbox.spi.OutboundMessage;
import java.time.Instant;

/**
 * A message given up on, as {@link OutboxAdmin} lists it.
 *
 * @param message the message as it was stored, with its original id
 * @param origin {@code relay}, or the name of the consumer that dead-lettered it
 * @param attempts attempts made
 * @param lastError the last error, with its class
 * @param failedAt when it was given up on
 * @param blocksKey whether later messages of its key wait for its replay (policy BLOCK)
 */
public record DeadLetter(OutboundMessage message, String origin, int attempts, String lastError, Instant failedAt,
                         boolean blocksKey) {
}
