package dev.outbox.spi;

import java.time.Duration;

/**
 * Receives what an idempotent consumer does, for metrics and logs. Every method has an empty default. Called on
 * the consumer's thread: return quickly and never throw (an exception is logged and ignored).
 */
public interface ConsumerListener {

    /** The handler ran and its transaction committed; {@code handlerTime} includes the commit. */
    default void processed(String consumer, InboundMessage message, Duration handlerTime) {
    }

    /** The message had been processed before and was skipped. */
    default void duplicate(String consumer, InboundMessage message) {
    }

    /** The handler failed attempt {@code attempt}; the consumer tries again. */
    default void retried(String consumer, InboundMessage message, int attempt, Throwable cause) {
    }

    /** The message was given up on. */
    default void deadLettered(String consumer, InboundMessage message, String reason) {
    }
}
