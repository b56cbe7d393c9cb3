package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WakeSignalTest {

    @Test
    void signalsWhileNobodyWaitsWakeTheNextWaitOnce() throws InterruptedException {
        WakeSignal wake = new WakeSignal();
        wake.signal();
        wake.signal();
        assertThat(wake.await(Duration.ofSeconds(5))).isTrue();
        assertThat(wake.await(Duration.ofMillis(1))).isFalse();
    }

    @Test
    void aClosedSignalWakesEveryWaitAtOnce() throws InterruptedException {
        WakeSignal wake = new WakeSignal();
        wake.close();
        assertThat(wake.await(Duration.ofHours(1))).isTrue();
        assertThat(wake.await(Duration.ofHours(1))).isTrue();
    }
}
