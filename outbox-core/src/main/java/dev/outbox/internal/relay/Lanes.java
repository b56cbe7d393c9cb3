package dev.outbox.internal.relay;

import dev.outbox.Ordering;
import dev.outbox.internal.WakeSignal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay's lanes: each a thread that claims a batch, publishes it and completes it, again and again, so the next
 * claim overlaps the previous publish. Unordered, any lane may take any message: lane 0 polls while idle and the
 * others wait for a wake-up (a commit, a notification, or a lane that found a full batch and so more work), so an
 * idle relay costs one query per poll interval whatever its lane count. Ordered by key, each lane owns a share of
 * the relay's partitions: every lane polls its own, and a wake-up wakes them all. Claims that keep failing back
 * off, doubling up to {@link #MAX_CLAIM_BACKOFF}. Stopping drains the batches in flight within a timeout, then rolls
 * back the claims of those still in flight.
 */
public final class Lanes {
    /** Longest wait between claims that keep failing (database down, schema changed). */
    static final Duration MAX_CLAIM_BACKOFF = Duration.ofSeconds(30);
    /** How long stop waits, after abandoning late batches, for lanes busy in SQL to give their connection back. */
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.OutboxRelay");

    private final RelaySettings settings;
    private final Claims claims;
    private final Batches batches;
    private final RelayEvents events;
    private final boolean ordered;
    /** Unordered: one signal shared by all lanes. Ordered: one per lane. */
    private final WakeSignal[] wakes;
    private final Clock clock;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReferenceArray<Claim> inFlight;
    private final AtomicInteger claimFailures = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    public Lanes(RelaySettings settings, Claims claims, Batches batches, RelayEvents events, Clock clock) {
        this.settings = settings;
        this.claims = claims;
        this.batches = batches;
        this.events = events;
        this.clock = clock;
        this.ordered = settings.ordering() == Ordering.BY_KEY;
        this.wakes = new WakeSignal[ordered ? settings.maxInFlight() : 1];
        for (int i = 0; i < wakes.length; i++) {
            wakes[i] = new WakeSignal();
        }
        this.inFlight = new AtomicReferenceArray<>(settings.maxInFlight());
    }

    /** Starts {@code maxInFlightBatches} lane threads named {@code <prefix>-lane-<i>}. */
    public void start(String threadPrefix) {
        for (int i = 0; i < settings.maxInFlight(); i++) {
            int lane = i;
            Thread thread = new Thread(() -> run(lane), threadPrefix + "-lane-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    public boolean running() {
        return running;
    }

    /** There may be work: one idle lane claims (unordered), or every lane looks at its partitions (ordered). */
    public void wakeUp() {
        for (WakeSignal wake : wakes) {
            wake.signal();
        }
    }

    /**
     * Stops claiming, waits up to {@code timeout} for the batches in flight, then rolls back the claims of those
     * still in flight and waits a short grace for lanes busy in a database call.
     */
    public void stop(Duration timeout) {
        running = false;
        stopped.countDown();
        for (WakeSignal wake : wakes) {
            wake.close();
        }
        join(System.nanoTime() + timeout.toNanos());
        int abandoned = 0;
        for (int i = 0; i < threads.size(); i++) {
            Claim claim = inFlight.get(i);
            if (threads.get(i).isAlive() && claim != null && claim.abandon()) {
                abandoned++;
            }
            threads.get(i).interrupt();
        }
        if (abandoned > 0) {
            log.warn("Outbox relay {}: {} batch(es) were still in flight after {}; their claims were rolled back and "
                    + "their messages are claimable again at once", settings.relayId(), abandoned, timeout);
        }
        join(System.nanoTime() + GRACE.toNanos());
        threads.stream().filter(Thread::isAlive).forEach(lane -> log.warn("Outbox relay {}: {} is still busy in a "
                + "database call and holds its connection", settings.relayId(), lane.getName()));
    }

    private void join(long deadline) {
        for (Thread lane : threads) {
            try {
                lane.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run(int index) {
        Duration idle = settings.minPoll();
        while (running) {
            Claim claim;
            try {
                claim = claims.open(index, clock.instant());
                claimFailures.set(0);
            } catch (Exception | Error e) {
                if (!claimFailed(e)) {
                    return;
                }
                continue;
            }
            try {
                if (claim == null) {
                    if (!idle(index, idle)) {
                        return;
                    }
                    idle = min(idle.multipliedBy(2), settings.maxPoll());
                    continue;
                }
                idle = settings.minPoll();
                if (!ordered && claim.batch().size() >= settings.batchSize()) {
                    wakes[0].signal();
                }
                inFlight.set(index, claim);
                batches.run(claim);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // A bug of ours, not a message's: the claim is rolled back and the lane goes on.
                if (claim != null) {
                    claim.abandon();
                }
                log.error("Outbox relay {} lane {} failed; its batch was rolled back", settings.relayId(), index, e);
            } finally {
                inFlight.set(index, null);
            }
        }
    }

    /** Waits after an empty claim; false when the relay is stopping. */
    private boolean idle(int index, Duration wait) throws InterruptedException {
        if (ordered) {
            wakes[index].await(wait);
        } else if (index == 0) {
            wakes[0].await(wait);
        } else {
            while (running && !wakes[0].await(settings.maxPoll())) {
                // unordered, only lane 0 polls on its own
            }
        }
        return running;
    }

    /** Backs off after a failed claim, doubling up to {@link #MAX_CLAIM_BACKOFF}; false when stopping. */
    private boolean claimFailed(Throwable e) {
        int failures = claimFailures.incrementAndGet();
        Duration backoff = min(settings.maxPoll().multipliedBy(1L << Math.min(failures - 1, 16)), MAX_CLAIM_BACKOFF);
        events.claimFailed(e, failures, backoff);
        try {
            return !stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
