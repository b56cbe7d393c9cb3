package dev.outbox.internal.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClaimFloorTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Instant T = Instant.parse("2026-12-01T08:00:00Z");

    @Test
    void claimsStartWhereEarlierOnesFoundRowsAndFromTheBottomOncePerInterval() {
        ClaimFloor floor = new ClaimFloor(Duration.ofSeconds(1), 0);
        Instant first = floor.from(0);
        assertThat(first).isEqualTo(ClaimFloor.BOTTOM);
        floor.found(first, T);
        assertThat(floor.from(SECOND / 2)).as("a lag below the lowest row found").isEqualTo(T.minus(ClaimFloor.LAG));

        floor.found(T, T.plusSeconds(5));
        floor.found(T, T.plusSeconds(3));
        assertThat(floor.from(SECOND / 2)).as("the floor only rises between full scans")
                .isEqualTo(T.plusSeconds(5).minus(ClaimFloor.LAG));

        Instant full = floor.from(SECOND);
        assertThat(full).isEqualTo(ClaimFloor.BOTTOM);
        assertThat(floor.from(SECOND + 1)).as("one full scan per interval")
                .isEqualTo(T.plusSeconds(5).minus(ClaimFloor.LAG));
        floor.found(full, T.minusSeconds(60));
        assertThat(floor.from(SECOND + 2)).as("a full scan lowers the floor to a late row")
                .isEqualTo(T.minusSeconds(60).minus(ClaimFloor.LAG));
        assertThat(floor.from(2 * SECOND)).isEqualTo(ClaimFloor.BOTTOM);
    }
}
