package dev.outbox.internal.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClaimSizeTest {

    @Test
    void growsWhileClaimsComeBackFullUpToTheBatchSize() {
        ClaimSize size = new ClaimSize(2000);
        assertThat(size.rows()).isEqualTo(ClaimSize.START);
        int[] seen = new int[7];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = size.rows();
            assertThat(size.claimed(size.rows())).isTrue();
        }
        assertThat(seen).containsExactly(100, 200, 400, 800, 1600, 2000, 2000);
    }

    @Test
    void shrinksWhileClaimsComeBackLessThanHalfFullAndHoldsInBetween() {
        ClaimSize size = new ClaimSize(2000);
        for (int i = 0; i < 6; i++) {
            size.claimed(size.rows());
        }
        assertThat(size.claimed(1500)).isFalse();
        assertThat(size.rows()).as("three quarters full: no change").isEqualTo(2000);
        size.claimed(999);
        assertThat(size.rows()).isEqualTo(1000);
        for (int i = 0; i < 10; i++) {
            assertThat(size.claimed(0)).isFalse();
        }
        assertThat(size.rows()).as("idle: back to the start, never below").isEqualTo(ClaimSize.START);
    }

    @Test
    void aBatchSizeBelowTheStartIsUsedAsIs() {
        ClaimSize size = new ClaimSize(5);
        assertThat(size.rows()).isEqualTo(5);
        assertThat(size.claimed(5)).isTrue();
        assertThat(size.rows()).isEqualTo(5);
        size.claimed(0);
        assertThat(size.rows()).isEqualTo(5);
    }
}
