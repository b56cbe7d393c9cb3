package dev.outbox.internal.relay;

import dev.outbox.Ordering;
import dev.outbox.internal.WakeSignal;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay's lanes: each a thread that claims a batch, publishes it and completes it, again and again, so the next
 * claim overlaps the previous publish. Unordered, any lane may take any message: lane 0 polls while idle and the
 * others wait for a wake-up (a commit, a notification, or a lane that found a full batch and so more work), so an
 * idle relay costs one query per poll interval whatever its lane count. Ordered by key, each lane owns a share of
 * the relay's partitions: every lane polls its own, and a wake-up wakes them all. Each lane sizes its claims to the
 * backlog it finds ({@link ClaimSize}). Claims that keep failing back
 * off, doubling up to {@link #MAX_CLAIM_BACKOFF}. A lane whose publisher call has not returned within the publish
 * timeout is replaced by a new thread, which fails the stuck batch (an attempt, with backoff) and goes on; the stuck
 * thread ends whenever the call returns. Stopping drains the batches in flight within a timeout, then rolls back the
 * claims of those still in flight.
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
    private final String threadPrefix;
    private final Lane[] lanes;
    private final AtomicInteger claimFailures = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    public Lanes(RelaySettings settings, Claims claims, Batches batches, RelayEvents events, Clock clock,
                 String threadPrefix) {
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
        this.threadPrefix = threadPrefix;
        this.lanes = new Lane[settings.maxInFlight()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(i);
        }
    }

    /** One lane: its current thread, the claim it holds, and since when it has been inside a publisher call. */
    private final class Lane implements GuardedPublisher.Watch {
        final int index;
        final AtomicReference<Claim> claim = new AtomicReference<>();
        final ClaimSize size = new ClaimSize(settings.batchSize());
        volatile Thread thread;
        /** {@link System#nanoTime()} when the current publisher call began; 0 outside calls. */
        volatile long publishingSince;
        int generation;

        Lane(int index) {
            this.index = index;
        }

        @Override
        public void publishing() {
            publishingSince = System.nanoTime() | 1;
        }

        @Override
        public void returned() {
            publishingSince = 0;
        }

        /** Starts a thread for this lane that first ends {@code inherited} (a stuck batch), if any. */
        void startThread(Claim inherited) {
            Thread t = new Thread(() -> run(this, inherited), threadPrefix + "-lane-" + index
                    + (generation == 0 ? "" : "-" + generation));
            generation++;
            t.setDaemon(true);
            thread = t;
            t.start();
        }

        boolean current() {
            return thread == Thread.currentThread();
        }
    }

    /** Starts {@code maxInFlightBatches} lane threads named {@code <prefix>-lane-<i>}. */
    public void start() {
        for (Lane lane : lanes) {
            lane.startThread(null);
        }
    }

    /**
     * Replaces the lanes whose publisher call has run longer than the publish timeout; run periodically. The
     * replacement fails the stuck batch as timed out; the stuck thread gives up its lane when the call returns.
     */
    public void replaceStuck() {
        long now = System.nanoTime();
        long timeout = settings.publishTimeout().toNanos();
        for (Lane lane : lanes) {
            long since = lane.publishingSince;
            if (!running || since == 0 || now - since <= timeout) {
                continue;
            }
            synchronized (lane) {
                if (lane.publishingSince != since) {
                    continue;
                }
                lane.publishingSince = 0;
                Thread stuck = lane.thread;
                Claim claim = lane.claim.get();
                boolean inherited = claim != null && claim.take();
                log.warn("Outbox relay {}: the publisher's publish() call on {} has not returned after {}; the lane "
                        + "goes on in a new thread{}. Fix the publisher: publish() must return at once and complete "
                        + "its stage later", settings.relayId(), stuck.getName(), settings.publishTimeout(),
                        inherited ? " and the batch is retried" : "");
                lane.startThread(inherited ? claim : null);
            }
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
        for (Lane lane : lanes) {
            Claim claim = lane.claim.get();
            if (lane.thread.isAlive() && claim != null && claim.abandon()) {
                abandoned++;
            }
            lane.thread.interrupt();
        }
        if (abandoned > 0) {
            log.warn("Outbox relay {}: {} batch(es) were still in flight after {}; their claims were rolled back and "
                    + "their messages are claimable again at once", settings.relayId(), abandoned, timeout);
        }
        join(System.nanoTime() + GRACE.toNanos());
        for (Lane lane : lanes) {
            if (lane.thread.isAlive()) {
                log.warn("Outbox relay {}: {} is still busy in a database or publisher call", settings.relayId(),
                        lane.thread.getName());
            }
        }
    }

    private void join(long deadline) {
        for (Lane lane : lanes) {
            try {
                lane.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run(Lane lane, Claim inherited) {
        if (inherited != null && !finishStuck(lane, inherited)) {
            return;
        }
        int index = lane.index;
        Duration idle = settings.minPoll();
        while (running && lane.current()) {
            Claim claim;
            try {
                claim = claims.open(index, lane.size.rows(), clock.instant());
                claimFailures.set(0);
            } catch (Exception | Error e) {
                if (!claimFailed(e)) {
                    return;
                }
                continue;
            }
            boolean full = lane.size.claimed(claim == null ? 0 : claim.batch().size());
            try {
                if (claim == null) {
                    if (!idle(index, idle)) {
                        return;
                    }
                    idle = min(idle.multipliedBy(2), settings.maxPoll());
                    continue;
                }
                idle = settings.minPoll();
                if (!ordered && full) {
                    wakes[0].signal();
                }
                lane.claim.set(claim);
                batches.run(claim, lane);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // A bug of ours, not a message's: the claim is rolled back and the lane goes on.
                if (claim != null) {
                    claim.abandon();
                }
                log.error("Outbox relay {} lane {} failed; its batch was rolled back", settings.relayId(), index, e);
            } finally {
                lane.claim.compareAndSet(claim, null);
            }
        }
    }

    /** Fails the batch a stuck thread left, as timed out; false when the relay is stopping. */
    private boolean finishStuck(Lane lane, Claim stuck) {
        lane.claim.set(stuck);
        try {
            batches.finish(stuck, new GuardedPublisher.Published(null, new TimeoutException(
                    "publish() did not return within the publishTimeout")), settings.publishTimeout().toNanos(), lane);
            return true;
        } catch (InterruptedException e) {
            return false;
        } catch (RuntimeException | Error e) {
            stuck.rollback();
            log.error("Outbox relay {} lane {} failed; its batch was rolled back", settings.relayId(), lane.index, e);
            return true;
        } finally {
            lane.claim.compareAndSet(stuck, null);
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
