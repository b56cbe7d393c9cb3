package dev.outbox.internal.relay;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where an unordered relay's claims start their scan of the {@code available_at} index. Published rows are deleted,
 * but the index keeps their entries until vacuum, and a claim that starts from the lowest {@code available_at} walks
 * every one of them: on PostgreSQL, 900,000 dead entries made a 2,000-row claim take 57–100 ms instead of 3–5.
 * So claims start {@link #LAG} below the lowest {@code available_at} that earlier claims found unlocked: writers
 * commit out of the order of their {@code available_at} (it is set when the message is written, not at commit), and
 * the lag keeps those that commit within it above the floor.
 *
 * <p>Rows can still appear below the floor: a transaction that commits more than the lag after it wrote its
 * message, or the claim of another relay that ended without an outcome. So once per {@code fullScanInterval} a
 * claim starts from the beginning again, and the floor moves back down to what it finds. Shared by the lanes of
 * one relay; a race between them leaves the floor too high for at most one interval, never loses a row.
 */
final class ClaimFloor {
    /** Below every {@code available_at} the library writes; in range for every dialect's timestamp type. */
    static final Instant BOTTOM = Instant.parse("1970-01-02T00:00:00Z");

    /** How far below the lowest row found claims start; a dead entry costs ~0.06 µs, so 1 s of writes is cheap. */
    static final Duration LAG = Duration.ofSeconds(1);

    private final long fullScanNanos;
    private final AtomicReference<Instant> floor = new AtomicReference<>(BOTTOM);
    private final AtomicLong nextFullScan;

    ClaimFloor(Duration fullScanInterval, long nowNanos) {
        this.fullScanNanos = fullScanInterval.toNanos();
        this.nextFullScan = new AtomicLong(nowNanos);
    }

    /** Where the next claim starts: {@link #BOTTOM} when a full scan is due (then the next one is scheduled). */
    Instant from(long nowNanos) {
        long due = nextFullScan.get();
        if (nowNanos - due >= 0 && nextFullScan.compareAndSet(due, nowNanos + fullScanNanos)) {
            return BOTTOM;
        }
        Instant lowest = floor.get();
        return lowest.equals(BOTTOM) ? BOTTOM : lowest.minus(LAG);
    }

    /** A claim that started at {@code from} found unlocked rows, the lowest at {@code lowest}. */
    void found(Instant from, Instant lowest) {
        if (from.equals(BOTTOM)) {
            floor.set(lowest);
        } else {
            floor.accumulateAndGet(lowest, (current, found) -> found.isAfter(current) ? found : current);
        }
    }
}
