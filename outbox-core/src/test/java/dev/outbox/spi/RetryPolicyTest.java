package dev.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void exponentialBackoffStaysWithinItsDoublingCeilingAndTheCap() {
        RetryPolicy policy = RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(1));
        for (int i = 0; i < 200; i++) {
            assertThat(policy.backoff(1)).isBetween(Duration.ZERO, Duration.ofMillis(100));
            assertThat(policy.backoff(3)).isBetween(Duration.ZERO, Duration.ofMillis(400));
            assertThat(policy.backoff(40)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    @Test
    void settingsThatWouldSpinAreRefused() {
        assertThatThrownBy(() -> RetryPolicy.exponential(Duration.ofNanos(1), Duration.ofNanos(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 ms");
        assertThatThrownBy(() -> RetryPolicy.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.exponential(null, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.fixed(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RetryPolicy.fixed(Duration.ZERO).backoff(5)).isZero();
    }

    @Test
    void deadLetterPoliciesNameWhatIsWrong() {
        assertThatThrownBy(() -> DeadLetterPolicy.afterAttempts(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("afterAttempts(0)");
        assertThatThrownBy(() -> DeadLetterPolicy.defaults().alsoPublishTo(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alsoPublishTo");
    }
}
