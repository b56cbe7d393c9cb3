package dev.outbox;

/**
 * How an {@link OutboxRelay} orders publishing.
 *
 * <p>Immutable and thread-safe.
 */
public enum Ordering {
    /**
     * No order: relays compete for any available message, for the highest throughput. Messages of one key may be
     * published out of write order, e.g. when one is retried.
     */
    NONE,
    /**
     * Messages with the same key are published in write order, also with several relay instances: outbox partitions
     * (key hash) are leased to instances, and a key has at most one message in flight. A failing message blocks
     * only its own key; after it is dead-lettered the {@code DeadLetterPolicy} decides whether the key moves on.
     * Keyless messages are not ordered.
     */
    BY_KEY
}
