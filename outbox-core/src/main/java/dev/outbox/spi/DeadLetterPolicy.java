package dev.outbox.spi;

import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * When a message is given up on, and what then happens to its key. Immutable.
 *
 * <p>A message is dead-lettered after {@link #maxAttempts()} failed attempts, or at once when the publisher
 * rejects it as permanently unpublishable. It moves to the dead-letter table with its last error, from where
 * {@code OutboxAdmin} replays or purges it. Optionally a copy is also published to a broker dead-letter destination.
 */
public final class DeadLetterPolicy {
    /** Default attempts: with the default backoff this spans roughly half an hour of failures. */
    public static final int DEFAULT_MAX_ATTEMPTS = 10;

    /** What ordered relays do with later messages of a key whose message was dead-lettered. */
    public enum KeyAfterDeadLetter {
        /** Later messages of the key continue. */
        SKIP,
        /** Later messages of the key wait until the dead letter is replayed or purged. */
        BLOCK
    }

    private final int maxAttempts;
    private final KeyAfterDeadLetter keyAfterDeadLetter;
    private final @Nullable UnaryOperator<String> destination;

    private DeadLetterPolicy(int maxAttempts, KeyAfterDeadLetter keyAfterDeadLetter,
                             @Nullable UnaryOperator<String> destination) {
        this.maxAttempts = maxAttempts;
        this.keyAfterDeadLetter = keyAfterDeadLetter;
        this.destination = destination;
    }

    /** {@value #DEFAULT_MAX_ATTEMPTS} attempts, keys continue (SKIP), no broker copy. */
    public static DeadLetterPolicy defaults() {
        return afterAttempts(DEFAULT_MAX_ATTEMPTS);
    }

    /** Dead-letter after {@code maxAttempts} failed attempts (1 means no retry). */
    public static DeadLetterPolicy afterAttempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("DeadLetterPolicy.afterAttempts(" + maxAttempts
                    + "): at least one attempt is needed");
        }
        return new DeadLetterPolicy(maxAttempts, KeyAfterDeadLetter.SKIP, null);
    }

    /** A copy where later messages of a dead-lettered key wait for its replay (ordered relays only). */
    public DeadLetterPolicy blockKey() {
        return new DeadLetterPolicy(maxAttempts, KeyAfterDeadLetter.BLOCK, destination);
    }

    /** A copy where later messages of a dead-lettered key continue (the default). */
    public DeadLetterPolicy skipKey() {
        return new DeadLetterPolicy(maxAttempts, KeyAfterDeadLetter.SKIP, destination);
    }

    /**
     * A copy that also publishes each dead letter to a broker destination, e.g. {@code d -> d + ".DLQ"}, with
     * the error in its headers. The database dead letter is kept whatever that publish does.
     */
    public DeadLetterPolicy alsoPublishTo(UnaryOperator<String> destination) {
        if (destination == null) {
            throw new IllegalArgumentException("DeadLetterPolicy.alsoPublishTo(null): give a function of the "
                    + "original destination, e.g. d -> d + \".DLQ\"");
        }
        return new DeadLetterPolicy(maxAttempts, keyAfterDeadLetter, destination);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public KeyAfterDeadLetter keyAfterDeadLetter() {
        return keyAfterDeadLetter;
    }

    /** The broker dead-letter destination for a message's destination, or null when none is configured. */
    public @Nullable String brokerDestination(String originalDestination) {
        return destination == null ? null : destination.apply(originalDestination);
    }

    @Override
    public String toString() {
        return "DeadLetterPolicy[maxAttempts=" + maxAttempts + ", key=" + keyAfterDeadLetter
                + (destination == null ? "" : ", alsoPublished") + "]";
    }
}
