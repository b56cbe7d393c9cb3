package dev.outbox;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the outbox for health checks and dashboards.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pending messages not yet published (in flight included)
 * @param oldestPendingAge age of the oldest pending message, {@link Duration#ZERO} when none is pending
 * @param inFlight messages claimed and not yet completed by relays of this outbox in this JVM
 * @param deadLetters messages in the dead-letter table
 * @param lastPublishedAt last broker ack seen by a relay in this JVM, or null
 */
public record OutboxStats(long pending, Duration oldestPendingAge, long inFlight, long deadLetters,
                          @Nullable Instant lastPublishedAt) {
}
