package dev.outbox.internal.relay;

import java.time.Instant;
import java.util.List;

/**
 * What becomes of each message of a published batch: deleted (acked), rescheduled, or dead-lettered.
 *
 * @param acked the broker has them
 * @param retries to be published again at their {@link Retry#nextAttemptAt()}
 * @param dead given up on
 * @param outage the broker's unavailability that made some messages retry without counting an attempt, or null
 * @param anomalies what the publisher or a policy did wrong in this batch, to be logged once
 */
public record BatchOutcome(List<Claimed> acked, List<Retry> retries, List<Retry> dead, Throwable outage,
                           List<String> anomalies) {

    public BatchOutcome {
        acked = List.copyOf(acked);
        retries = List.copyOf(retries);
        dead = List.copyOf(dead);
        anomalies = List.copyOf(anomalies);
    }

    /** Messages in the batch. */
    public int size() {
        return acked.size() + retries.size() + dead.size();
    }

    /**
     * A message not acked.
     *
     * @param claim the claimed message
     * @param attempts failed attempts now counted
     * @param error the reason, free of values
     * @param errorClass class of the failure, or null when there was only a reason
     * @param cause the failure, for listeners
     * @param nextAttemptAt when it is claimable again (retries)
     */
    public record Retry(Claimed claim, int attempts, String error, String errorClass, Throwable cause,
                        Instant nextAttemptAt) {
    }
}
