package dev.outbox.internal.relay;

import dev.outbox.spi.Reasons;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What the relay tells listeners and the log: each message's fate (with its id in the line and in MDC), batch
 * timings, claim failures and anomalies. A listener that throws is logged and ignored.
 */
public final class RelayEvents {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.OutboxRelay");

    private final String relayId;
    private final List<OutboxListener> listeners;
    /** The listeners that override {@code published}: only they cost a call and a latency per message. */
    private final List<OutboxListener> perMessage;
    private final int warnAfterAttempts;

    public RelayEvents(String relayId, List<OutboxListener> listeners, int warnAfterAttempts) {
        this.relayId = relayId;
        this.listeners = listeners;
        this.perMessage = listeners.stream().filter(RelayEvents::overridesPublished).toList();
        this.warnAfterAttempts = warnAfterAttempts;
    }

    private static boolean overridesPublished(OutboxListener listener) {
        try {
            return listener.getClass().getMethod("published", OutboundMessage.class, Duration.class)
                    .getDeclaringClass() != OutboxListener.class;
        } catch (NoSuchMethodException | SecurityException e) {
            return true;
        }
    }

    /** A batch's outcome was recorded. */
    public void completed(BatchOutcome outcome, Instant now, long claimNanos, long publishNanos, long completeNanos) {
        for (String anomaly : outcome.anomalies()) {
            log.warn("Outbox relay {}: {}", relayId, anomaly);
        }
        if (outcome.outage() != null) {
            log.warn("Outbox relay {}: the broker is unavailable; messages are retried without counting attempts: {}",
                    relayId, OutcomeClassifier.describe(outcome.outage()));
        }
        if (!perMessage.isEmpty()) {
            for (Claimed claim : outcome.acked()) {
                OutboundMessage m = claim.message();
                boolean delayed = m.attempts() == 0 && m.availableAt().isAfter(m.createdAt());
                Instant since = delayed ? m.availableAt() : m.createdAt();
                Duration latency = since.isAfter(now) ? Duration.ZERO : Duration.between(since, now);
                for (OutboxListener l : perMessage) {
                    try {
                        l.published(m, latency);
                    } catch (RuntimeException | LinkageError e) {
                        log.warn("OutboxListener {} failed: {}", l, e.toString());
                    }
                }
            }
        }
        for (BatchOutcome.Retry r : outcome.retries()) {
            OutboundMessage m = r.claim().message();
            if (r.attempts() >= warnAfterAttempts) {
                withMdc(m, () -> log.warn("Outbox message {} failed attempt {} to {}; retrying at {}: {}", m.id(),
                        r.attempts(), Reasons.forLog(m.destination()), r.nextAttemptAt(), r.error()));
            } else if (log.isDebugEnabled()) {
                withMdc(m, () -> log.debug("Outbox message {} failed attempt {}; retrying at {}: {}", m.id(),
                        r.attempts(), r.nextAttemptAt(), r.error()));
            }
            each(l -> l.retried(m, r.attempts(), r.cause(), r.nextAttemptAt()));
        }
        for (BatchOutcome.Retry d : outcome.dead()) {
            OutboundMessage m = d.claim().message();
            withMdc(m, () -> log.error("Outbox message {} to {} dead-lettered after {} attempt(s): {}", m.id(),
                    Reasons.forLog(m.destination()), d.attempts(), d.error()));
            each(l -> l.deadLettered(m, d.error()));
        }
        each(l -> l.batchCompleted(outcome.size(), Duration.ofNanos(claimNanos), Duration.ofNanos(publishNanos),
                Duration.ofNanos(completeNanos)));
    }

    /** A batch's outcome could not be recorded; its claim was rolled back. Logged once for the whole batch. */
    public void notRecorded(int size, Throwable cause, Instant nextAttemptAt) {
        log.warn("Outbox relay {} could not record the outcome of {} message(s); the claim was rolled back, one "
                + "attempt counted, and they are published again from {}: {}", relayId, size, nextAttemptAt,
                Reasons.of(cause));
    }

    /** Claiming failed {@code consecutive} times in a row; the relay waits {@code backoff} before the next try. */
    public void claimFailed(Throwable cause, int consecutive, Duration backoff) {
        if (consecutive >= 3) {
            log.error("Outbox relay {} has failed to claim messages {} times in a row; nothing is published until "
                    + "this is fixed. Retrying in {}: {}", relayId, consecutive, backoff, Reasons.of(cause));
        } else {
            log.warn("Outbox relay {} could not claim messages, retrying in {}: {}", relayId, backoff,
                    Reasons.of(cause));
        }
        each(l -> l.claimFailed(cause, consecutive));
    }

    private void each(Consumer<OutboxListener> call) {
        for (OutboxListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException | LinkageError e) {
                log.warn("OutboxListener {} failed: {}", l, e.toString());
            }
        }
    }

    private static void withMdc(OutboundMessage message, Runnable action) {
        MDC.put("outbox.messageId", message.id().toString());
        if (message.correlationId() != null) {
            MDC.put("outbox.correlationId", Reasons.forLog(message.correlationId()));
        }
        try {
            action.run();
        } finally {
            MDC.remove("outbox.messageId");
            MDC.remove("outbox.correlationId");
        }
    }
}
