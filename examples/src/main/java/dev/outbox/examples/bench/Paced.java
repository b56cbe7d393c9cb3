package dev.outbox.examples.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Work started at a steady pace, as latency is measured: one task per tick, on a pool, so none waits for another. */
final class Paced {
    private static final int THREADS = 8;

    private Paced() {
    }

    /** One task of a paced run. */
    @FunctionalInterface
    interface Task {
        void run(long n) throws Exception;
    }

    /**
     * Starts {@code task} for {@code n = 0, 1, …} at {@code rate} per second for {@code seconds}, on {@value #THREADS}
     * threads; returns when every task has ended, throwing the first failure.
     */
    static void run(int rate, int seconds, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong started = new AtomicLong();
        long total = (long) rate * seconds;
        CountDownLatch paced = new CountDownLatch(1);
        pacer.scheduleAtFixedRate(() -> {
            long n = started.getAndIncrement();
            if (n >= total) {
                paced.countDown();
                return;
            }
            pool.execute(() -> {
                try {
                    task.run(n);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            });
        }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
        paced.await();
        pacer.shutdownNow();
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
