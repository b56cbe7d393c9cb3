package dev.outbox.internal;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RFC 9562 UUID version 7: 48 bits of Unix milliseconds, then a 12-bit counter (method 1 of RFC 9562 §6.2) so
 * that ids from this JVM are strictly increasing even within one millisecond, then 62 random bits from a
 * cryptographically strong generator, so that nobody can predict a later message's id (and pre-empt it at a
 * consumer as a "duplicate").
 */
public final class UuidV7 {
    /** Thread-safe; seeded by the platform, as {@link UUID#randomUUID()} is. */
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    /** Last issued (millis << 12 | counter); advanced atomically so concurrent writers never share an id. */
    private final AtomicLong last = new AtomicLong();

    public UuidV7(Clock clock) {
        this.clock = clock;
    }

    public UUID next() {
        long now = clock.millis() << 12;
        long stamp = last.updateAndGet(prev -> Math.max(prev + 1, now));
        long millis = stamp >>> 12;
        long counter = stamp & 0xFFF;
        long msb = (millis << 16) | 0x7000L | counter;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** The Unix millisecond timestamp of a version 7 UUID. */
    public static long millis(UUID id) {
        return id.getMostSignificantBits() >>> 16;
    }
}
