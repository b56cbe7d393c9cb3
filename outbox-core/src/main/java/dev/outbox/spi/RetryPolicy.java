package dev.outbox.spi;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * How long to wait before the next attempt after a failure. Shared by the relay (publishing) and the idempotent
 * consumer (handling). How many attempts are made is the {@link DeadLetterPolicy}'s decision.
 *
 * <p>Implementations are called by several relay lanes and consumer threads at once and must be thread-safe; the
 * shipped policies are immutable.
 */
@FunctionalInterface
public interface RetryPolicy {
    /** Default first backoff: long enough for a broker leader election or a connection re-establishment. */
    Duration DEFAULT_INITIAL = Duration.ofMillis(500);
    /** Default cap: a failing message is still retried every few minutes, so recovery is noticed soon. */
    Duration DEFAULT_MAX = Duration.ofMinutes(5);
    /** Smallest first backoff of {@link #exponential}: below a millisecond, retries would spin. */
    Duration MIN_INITIAL = Duration.ofMillis(1);

    /**
     * The wait before the next attempt.
     *
     * @param failures failed attempts so far, 1 after the first failure
     */
    Duration backoff(int failures);

    /**
     * Exponential backoff with full jitter: a random wait between zero and {@code min(max, initial * 2^(n-1))},
     * which spreads retries of many messages (AWS Architecture Blog, "Exponential Backoff and Jitter").
     */
    static RetryPolicy exponential(@Nullable Duration initial, @Nullable Duration max) {
        if (initial == null || max == null || initial.compareTo(MIN_INITIAL) < 0 || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("RetryPolicy.exponential(" + initial + ", " + max
                    + "): initial must be at least 1 ms and max at least initial");
        }
        return failures -> {
            int exponent = Math.min(Math.max(failures, 1) - 1, 30);
            long ceiling = Math.min(max.toMillis(), initial.toMillis() << exponent);
            return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
        };
    }

    /** {@link #exponential} with the defaults: 500 ms, capped at 5 minutes. */
    static RetryPolicy exponential() {
        return exponential(DEFAULT_INITIAL, DEFAULT_MAX);
    }

    /**
     * The same wait after every failure. Zero is allowed (a retry at once, bounded by the dead-letter policy's
     * attempts); the relay never waits less than 100 ms between retries of a broker outage, whatever the policy.
     */
    static RetryPolicy fixed(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("RetryPolicy.fixed(" + delay + "): the delay must be zero or positive");
        }
        return failures -> delay;
    }
}
