package dev.outbox.internal.relay;

import dev.outbox.internal.OutboxRuntime;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.OutboundMessage;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work of a lane between two claims: publish the claimed batch, classify the outcome, send dead-letter copies,
 * record it all in the claim's transaction, tell the listeners. Whatever fails ends the claim: a completion that
 * cannot be recorded is rolled back and counted as one failed attempt, so nothing stays locked and nothing spins.
 */
public final class Batches {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.OutboxRelay");

    private final Claims claims;
    private final GuardedPublisher publisher;
    private final OutcomeClassifier classifier;
    private final DeadLetterCopies copies;
    private final RelayEvents events;
    private final OutboxRuntime runtime;
    private final Clock clock;
    /** Batches in a row that found the broker unavailable; 0 after any ack. */
    private final AtomicInteger outageStreak = new AtomicInteger();

    public Batches(Claims claims, GuardedPublisher publisher, OutcomeClassifier classifier, DeadLetterCopies copies,
                   RelayEvents events, OutboxRuntime runtime) {
        this.claims = claims;
        this.publisher = publisher;
        this.classifier = classifier;
        this.copies = copies;
        this.events = events;
        this.runtime = runtime;
        this.clock = runtime.clock();
    }

    /**
     * Publishes a claimed batch and ends its claim, unless close or the watchdog took the claim meanwhile (they end
     * it then).
     *
     * @throws InterruptedException when the relay is closing; the claim is then rolled back (here or by close)
     */
    public void run(Claim claim, GuardedPublisher.Watch watch) throws InterruptedException {
        List<Claimed> batch = claim.batch();
        runtime.addInFlight(batch.size());
        claim.onEnd(() -> runtime.addInFlight(-batch.size()));
        List<OutboundMessage> publishable = new ArrayList<>(batch.size());
        for (Claimed claimed : batch) {
            if (claimed.unreadable() == null) {
                publishable.add(claimed.message());
            }
        }
        long publishStart = System.nanoTime();
        GuardedPublisher.Published published;
        try {
            published = publishable.isEmpty()
                    ? new GuardedPublisher.Published(List.of(), null) : publisher.publish(publishable, watch);
        } catch (InterruptedException e) {
            claim.abandon();
            throw e;
        }
        if (claim.take()) {
            finish(claim, published, System.nanoTime() - publishStart, watch);
        }
    }

    /**
     * Ends a claim the caller has taken: classifies the publish's answer, sends dead-letter copies, records the
     * outcome in the claim's transaction and tells the listeners.
     *
     * @throws InterruptedException when the relay is closing; the claim is then rolled back
     */
    public void finish(Claim claim, GuardedPublisher.Published published, long publishNanos,
                       GuardedPublisher.Watch watch) throws InterruptedException {
        List<Claimed> batch = claim.batch();
        long completeStart = System.nanoTime();
        Instant now = clock.instant();
        BatchOutcome outcome = classifier.classify(batch, published.results(), published.error(), now,
                outageStreak.get());
        try {
            copies.publish(outcome.dead(), watch);
        } catch (InterruptedException e) {
            claim.rollback();
            throw e;
        }
        try {
            claims.record(claim, outcome, now);
        } catch (SQLException | RuntimeException | Error e) {
            claim.rollback();
            notRecorded(batch, e, now);
            return;
        }
        if (!outcome.acked().isEmpty()) {
            runtime.published(now);
            outageStreak.set(0);
        } else if (outcome.outage() != null) {
            outageStreak.incrementAndGet();
        }
        events.completed(outcome, now, claim.claimNanos(), publishNanos, System.nanoTime() - completeStart);
    }

    private void notRecorded(List<Claimed> batch, Throwable cause, Instant now) {
        int attempts = batch.stream().mapToInt(c -> c.message().attempts()).max().orElse(0) + 1;
        Instant next = now.plus(classifier.backoff(attempts));
        events.notRecorded(batch.size(), cause, next);
        try {
            claims.countFailedAttempt(batch, Reasons.of("the outcome could not be recorded", cause), next);
        } catch (SQLException | RuntimeException e) {
            log.debug("counting the failed attempt failed too: {}", e.toString());
        }
    }
}
