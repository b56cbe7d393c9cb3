package dev.outbox;

import dev.outbox.spi.OutboundMessage;
import java.time.Instant;

/**
 * A message given up on, as {@link OutboxAdmin} lists it.
 *
 * @param deadLetterId the dead letter's own id: increasing, the order of listing and the cursor of paging
 * @param message the message as it was stored, with its original id ({@code availableAt} is the failure time)
 * @param origin {@value #RELAY_ORIGIN}, or the name of the consumer that dead-lettered it
 * @param attempts attempts made
 * @param lastError the last error: the exception class and a short message, without values
 * @param errorClass the class of the last error, or null when the broker or handler gave only a reason
 * @param failedAt when it was given up on
 * @param blocksKey whether later messages of its key wait for its replay (policy BLOCK)
 */
public record DeadLetter(long deadLetterId, OutboundMessage message, String origin, int attempts, String lastError,
                         String errorClass, Instant failedAt, boolean blocksKey) {
    /** The origin of dead letters written by relays. */
    public static final String RELAY_ORIGIN = "relay";
}
