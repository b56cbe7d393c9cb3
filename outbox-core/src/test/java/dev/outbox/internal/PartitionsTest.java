package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PartitionsTest {

    @Test
    void aKeyAlwaysMapsToTheSamePartitionAcrossReleases() {
        // Stored rows depend on these values: a change here re-orders keys in flight.
        assertThat(Partitions.of("order-42", null, 32)).isEqualTo(Partitions.of("order-42", UUID.randomUUID(), 32));
        assertThat(Partitions.of("a", null, 32)).isEqualTo(Math.floorMod(mixOf("a".hashCode()), 32));
    }

    @Test
    void similarKeysSpreadOverThePartitions() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 32_000; i++) {
            counts.merge(Partitions.of("order-" + i, null, 32), 1, Integer::sum);
        }
        assertThat(counts).hasSize(32);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void keylessMessagesAreSpreadByTheirId() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3200; i++) {
            counts.merge(Partitions.of(null, UUID.randomUUID(), 32), 1, Integer::sum);
        }
        assertThat(counts).hasSize(32);
    }

    private static int mixOf(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
