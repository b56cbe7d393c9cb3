package dev.outbox.internal.relay;

import dev.outbox.internal.OutboxRuntime;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.TraceContextPropagator;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
        TraceContextPropagator.Span[] spans = spans(publishable);
        GuardedPublisher.Published published;
        try {
            published = publishable.isEmpty()
                    ? new GuardedPublisher.Published(List.of(), null) : publisher.publish(publishable, watch);
        } catch (InterruptedException e) {
            endSpans(spans, publishable, null, e);
            claim.abandon();
            throw e;
        }
        endSpans(spans, publishable, published.results(), published.error());
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

    /** The publish spans of the batch, or null when tracing records none. */
    private TraceContextPropagator.Span[] spans(List<OutboundMessage> batch) {
        TraceContextPropagator tracing = runtime.tracing();
        if (batch.isEmpty() || !tracing.recordsSpans()) {
            return null;
        }
        TraceContextPropagator.Span[] spans = new TraceContextPropagator.Span[batch.size()];
        for (int i = 0; i < spans.length; i++) {
            spans[i] = tracing.publishing(batch.get(i));
        }
        return spans;
    }

    /** Ends each message's publish span with its own outcome. */
    private static void endSpans(TraceContextPropagator.Span[] spans, List<OutboundMessage> batch,
                                 List<PublishResult> results, Throwable error) {
        if (spans == null) {
            return;
        }
        Map<UUID, PublishResult> byId = new HashMap<>();
        if (results != null) {
            for (PublishResult r : results) {
                if (r != null) {
                    byId.putIfAbsent(r.messageId(), r);
                }
            }
        }
        for (int i = 0; i < spans.length; i++) {
            PublishResult r = byId.get(batch.get(i).id());
            Throwable failure = error != null ? error
                    : r == null ? new OutcomeClassifier.NoResult("the publisher gave no result for this message")
                    : r instanceof PublishResult.Failed f ? f.cause()
                    : r instanceof PublishResult.Rejected rejected ? new IllegalArgumentException(rejected.reason())
                    : null;
            try {
                spans[i].end(failure);
            } catch (RuntimeException e) {
                log.debug("ending a publish span failed: {}", e.toString());
            }
        }
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
