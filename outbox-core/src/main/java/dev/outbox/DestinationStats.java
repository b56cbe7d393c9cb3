package dev.outbox;

import java.time.Duration;

/**
 * The pending messages of one destination: how many, how many of them can be published now, how many wait (a
 * delay or a retry's backoff), how many have failed at least once, and the age of the oldest.
 *
 * <p>Immutable and thread-safe.
 */
public record DestinationStats(String destination, long pending, long availableNow, long waiting, long retrying,
                               Duration oldestPendingAge) {
}
