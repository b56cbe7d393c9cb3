package dev.outbox.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * Receives what the relay does, for metrics and logs. Every method has an empty default; implement what you need.
 * Called on relay threads: return quickly and never throw (an exception is logged and ignored).
 */
public interface OutboxListener {

    /** The broker acknowledged {@code message}; {@code latency} runs from write time (or availability) to ack. */
    default void published(OutboundMessage message, Duration latency) {
    }

    /** Publishing failed; the message is retried at {@code nextAttemptAt}. {@code attempts} counts failures. */
    default void retried(OutboundMessage message, int attempts, Throwable cause, Instant nextAttemptAt) {
    }

    /** The message was moved to the dead-letter table. */
    default void deadLettered(OutboundMessage message, String reason) {
    }

    /** A batch completed: how many messages, and how long claiming, publishing and recording took. */
    default void batchCompleted(int size, Duration claim, Duration publish, Duration complete) {
    }

    /**
     * Claiming failed {@code consecutiveFailures} times in a row (the database is unreachable, the schema changed,
     * ...); the relay backs off and tries again. Nothing is published meanwhile: alert on it.
     */
    default void claimFailed(Throwable cause, int consecutiveFailures) {
    }

    /** A listener that does nothing. */
    static OutboxListener none() {
        return new OutboxListener() { };
    }
}
