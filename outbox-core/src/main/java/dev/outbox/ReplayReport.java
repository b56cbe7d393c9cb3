package dev.outbox;

import java.util.List;
import java.util.UUID;

/**
 * What {@link OutboxAdmin#replay(DeadLetterFilter, OutboxAdmin.Progress)} did: how many dead letters went back
 * into the outbox, and each one that did not, with why. A dead letter that cannot be replayed is skipped and left
 * where it is; the others go on.
 *
 * <p>Immutable and thread-safe.
 *
 * @param replayed dead letters moved back into the outbox
 * @param skipped dead letters left in place, each with its reason
 */
public record ReplayReport(long replayed, List<Skipped> skipped) {

    public ReplayReport {
        skipped = List.copyOf(skipped);
    }

    /**
     * A dead letter that was not replayed.
     *
     * @param deadLetterId the dead letter's id
     * @param messageId its message id
     * @param reason why it was left in place, and what to do about it
     */
    public record Skipped(long deadLetterId, UUID messageId, String reason) {
    }
}
