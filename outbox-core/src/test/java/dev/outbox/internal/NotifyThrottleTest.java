package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NotifyThrottleTest {

    @Test
    void withoutAnIntervalEveryTransactionNotifies() {
        NotifyThrottle throttle = new NotifyThrottle(Duration.ZERO);
        for (int i = 0; i < 100; i++) {
            assertThat(throttle.acquire()).isTrue();
        }
    }

    @Test
    void theFirstTransactionNotifiesAndTheOthersWithinTheIntervalDoNot() {
        NotifyThrottle throttle = new NotifyThrottle(Duration.ofHours(1));
        assertThat(throttle.acquire()).isTrue();
        for (int i = 0; i < 100; i++) {
            assertThat(throttle.acquire()).isFalse();
        }
    }

    @Test
    void concurrentWritersGetOneNotificationPerInterval() throws Exception {
        NotifyThrottle throttle = new NotifyThrottle(Duration.ofHours(1));
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            for (int w = 0; w < 8; w++) {
                writers.submit(() -> {
                    go.await();
                    for (int i = 0; i < 1_000; i++) {
                        if (throttle.acquire()) {
                            granted.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            go.countDown();
        } finally {
            writers.shutdown();
            assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(granted).hasValue(1);
    }
}
