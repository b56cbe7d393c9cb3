package dev.outbox.internal;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A coalescing wake-up: any number of signals while nobody waits wake the next wait once, and one signal wakes one
 * waiter. After {@link #close()} every wait returns at once.
 */
public final class WakeSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signalled = lock.newCondition();
    private boolean pending;
    private boolean closed;

    public void signal() {
        lock.lock();
        try {
            pending = true;
            signalled.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter, now and from now on. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            signalled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a signal or the timeout; true when signalled (or closed). Clears the signal. */
    public boolean await(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!pending && !closed && nanos > 0) {
                nanos = signalled.awaitNanos(nanos);
            }
            boolean woken = pending || closed;
            pending = false;
            return woken;
        } finally {
            lock.unlock();
        }
    }
}
