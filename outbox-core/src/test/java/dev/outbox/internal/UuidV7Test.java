package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UuidV7Test {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void idsOfOneMillisecondAreVersion7StrictlyIncreasingAndCarryTheTime() {
        UuidV7 ids = new UuidV7(Clock.fixed(NOW, ZoneOffset.UTC));
        UUID previous = ids.next();
        for (int i = 0; i < 5_000; i++) {
            UUID id = ids.next();
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(id.compareTo(previous)).isPositive();
            previous = id;
        }
        // 4,096 ids fill a millisecond's counter; the next ones take the next millisecond rather than repeating.
        assertThat(UuidV7.millis(previous)).isEqualTo(NOW.toEpochMilli() + 1);
    }

    @Test
    void consecutiveIdsDifferInAboutHalfTheirRandomBits() {
        UuidV7 ids = new UuidV7(Clock.fixed(NOW, ZoneOffset.UTC));
        Set<Long> randomHalves = new HashSet<>();
        long previous = ids.next().getLeastSignificantBits();
        long bitsChanged = 0;
        int count = 4_000;
        for (int i = 0; i < count; i++) {
            long random = ids.next().getLeastSignificantBits();
            randomHalves.add(random);
            bitsChanged += Long.bitCount((random ^ previous) & 0x3FFFFFFFFFFFFFFFL);
            previous = random;
        }
        assertThat(randomHalves).hasSize(count);
        // 62 random bits: about half differ from one id to the next, never a counter's or a clock's few.
        assertThat((double) bitsChanged / count).isBetween(29.0, 33.0);
    }
}
