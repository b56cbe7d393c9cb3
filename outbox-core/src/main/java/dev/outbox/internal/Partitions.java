package dev.outbox.internal;

import java.util.UUID;

/** Maps a message key to an outbox partition. Stable across JVMs and releases: stored rows depend on it. */
public final class Partitions {
    private Partitions() {
    }

    /**
     * The partition of {@code key} among {@code count}; keyless messages are spread by their id. The hash is
     * {@link String#hashCode()} (specified by the JLS) through MurmurHash3's finaliser, which spreads similar keys.
     */
    public static int of(String key, UUID id, int count) {
        int hash = key != null ? key.hashCode() : Long.hashCode(id.getLeastSignificantBits());
        return Math.floorMod(mix(hash), count);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
