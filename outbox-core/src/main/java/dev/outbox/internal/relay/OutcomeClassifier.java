package dev.outbox.internal.relay;

import dev.outbox.spi.Reasons;
import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The one place where the relay decides what a publish outcome means for each message: acked, retried with
 * backoff (counting an attempt or not), or dead-lettered. Pure: no database, no clock of its own, so every rule is
 * unit-tested.
 *
 * <p>It trusts nothing the publisher returned: a publish that threw, timed out or completed with null fails the
 * whole batch (an attempt each); a missing result fails its message; results for messages not in the batch, null
 * results and contradicting duplicates are ignored or failed and reported as anomalies. A {@link RetryPolicy} that
 * throws or returns nonsense is replaced by the default backoff for that message, and reported.
 */
public final class OutcomeClassifier {
    /** While the broker is unavailable, retries back off like attempts 1 to 4 of the retry policy, no further. */
    static final int OUTAGE_BACKOFF_STEPS = 4;
    /** Floor of an outage retry's backoff: a policy of zero must not turn an outage into a hot loop. */
    static final Duration MIN_OUTAGE_BACKOFF = Duration.ofMillis(100);
    private static final RetryPolicy FALLBACK = RetryPolicy.exponential();

    private final RetryPolicy retryPolicy;
    private final DeadLetterPolicy deadLetterPolicy;

    public OutcomeClassifier(RetryPolicy retryPolicy, DeadLetterPolicy deadLetterPolicy) {
        this.retryPolicy = retryPolicy;
        this.deadLetterPolicy = deadLetterPolicy;
    }

    /**
     * Classifies a batch.
     *
     * @param batch the claimed messages, unreadable ones included (they were not published)
     * @param results what the publisher returned, or null when it failed as a whole
     * @param error why the publish failed as a whole (thrown, timed out, completed exceptionally), or null
     * @param now the time of the outcome
     * @param outageStreak batches in a row before this one that found the broker unavailable
     */
    public BatchOutcome classify(List<Claimed> batch, List<PublishResult> results, Throwable error, Instant now,
                                 int outageStreak) {
        List<String> anomalies = new ArrayList<>();
        PublishResult[] byPosition = error == null ? align(batch, results, anomalies) : null;
        List<Claimed> acked = new ArrayList<>();
        List<BatchOutcome.Retry> retries = new ArrayList<>();
        List<BatchOutcome.Retry> dead = new ArrayList<>();
        Throwable outage = null;
        for (int i = 0; i < batch.size(); i++) {
            Claimed claimed = batch.get(i);
            if (claimed.unreadable() != null) {
                dead.add(new BatchOutcome.Retry(claimed, claimed.message().attempts(), "not published: "
                        + claimed.unreadable(), null, null, now));
                continue;
            }
            PublishResult result = error != null ? PublishResult.failed(claimed.message().id(), error)
                    : byPosition[i];
            int attempts = claimed.message().attempts() + 1;
            if (result == null) {
                NoResult cause = new NoResult();
                retryOrDeadLetter(claimed, attempts, cause.getMessage(), null, cause, now, retries, dead, anomalies);
            } else if (result instanceof PublishResult.Acked) {
                acked.add(claimed);
            } else if (result instanceof PublishResult.Failed f && brokerUnavailable(f.cause())) {
                // The broker's failure, not the message's: retried soon, and not counted as an attempt.
                outage = outage == null ? f.cause() : outage;
                Duration backoff = backoff(Math.min(outageStreak + 1, OUTAGE_BACKOFF_STEPS), anomalies);
                retries.add(new BatchOutcome.Retry(claimed, claimed.message().attempts(), describe(f.cause()),
                        errorClass(f.cause()), f.cause(),
                        now.plus(backoff.compareTo(MIN_OUTAGE_BACKOFF) < 0 ? MIN_OUTAGE_BACKOFF : backoff)));
            } else if (result instanceof PublishResult.Failed f) {
                retryOrDeadLetter(claimed, attempts, describe(f.cause()), errorClass(f.cause()), f.cause(), now,
                        retries, dead, anomalies);
            } else if (result instanceof PublishResult.Rejected r) {
                dead.add(new BatchOutcome.Retry(claimed, attempts, "rejected by the broker: "
                        + Reasons.text(String.valueOf(r.reason()), Reasons.MAX_REASON)
                        + (r.cause() == null ? "" : " (" + describe(r.cause()) + ")"),
                        r.cause() == null ? null : errorClass(r.cause()), r.cause(), now));
            }
        }
        return new BatchOutcome(acked, retries, dead, outage, anomalies);
    }

    private void retryOrDeadLetter(Claimed claimed, int attempts, String error, String errorClass, Throwable cause,
                                   Instant now, List<BatchOutcome.Retry> retries, List<BatchOutcome.Retry> dead,
                                   List<String> anomalies) {
        if (attempts >= deadLetterPolicy.maxAttempts()) {
            dead.add(new BatchOutcome.Retry(claimed, attempts, error, errorClass, cause, now));
        } else {
            retries.add(new BatchOutcome.Retry(claimed, attempts, error, errorClass, cause,
                    now.plus(backoff(attempts, anomalies))));
        }
    }

    /**
     * The result of each message of the batch, by position (null where there is none). Results in the batch's order
     * (the usual answer) are taken as they are; otherwise they are matched by id, and what does not belong to the
     * batch is reported and dropped.
     */
    private static PublishResult[] align(List<Claimed> batch, List<PublishResult> results, List<String> anomalies) {
        PublishResult[] aligned = new PublishResult[batch.size()];
        if (results.size() == batch.size()) {
            boolean inOrder = true;
            for (int i = 0; i < aligned.length && inOrder; i++) {
                PublishResult result = results.get(i);
                inOrder = result != null && batch.get(i).unreadable() == null
                        && batch.get(i).message().id().equals(result.messageId());
                aligned[i] = result;
            }
            if (inOrder) {
                return aligned;
            }
        }
        Map<UUID, PublishResult> byId = new HashMap<>(Math.max(16, batch.size() * 2));
        for (Claimed claimed : batch) {
            if (claimed.unreadable() == null) {
                byId.put(claimed.message().id(), null);
            }
        }
        int nulls = 0;
        int strangers = 0;
        int contradictions = 0;
        for (PublishResult result : results) {
            if (result == null || result.messageId() == null) {
                nulls++;
            } else if (!byId.containsKey(result.messageId())) {
                strangers++;
            } else {
                PublishResult earlier = byId.get(result.messageId());
                if (earlier != null && earlier.getClass() != result.getClass()) {
                    contradictions++;
                    byId.put(result.messageId(), PublishResult.failed(result.messageId(), new NoResult(
                            "the publisher returned contradicting results for this message")));
                } else if (earlier == null) {
                    byId.put(result.messageId(), result);
                }
            }
        }
        if (nulls > 0) {
            anomalies.add("the publisher returned " + nulls + " null result(s)");
        }
        if (strangers > 0) {
            anomalies.add("the publisher returned " + strangers + " result(s) for messages not in the batch");
        }
        if (contradictions > 0) {
            anomalies.add("the publisher returned contradicting results for " + contradictions + " message(s)");
        }
        long missing = byId.values().stream().filter(r -> r == null).count();
        if (missing > 0) {
            anomalies.add("the publisher returned no result for " + missing + " of " + byId.size() + " message(s)");
        }
        for (int i = 0; i < aligned.length; i++) {
            aligned[i] = byId.get(batch.get(i).message().id());
        }
        return aligned;
    }

    /** The retry policy's backoff after {@code failures} failures, never failing. */
    public Duration backoff(int failures) {
        return backoff(failures, new ArrayList<>());
    }

    /** The retry policy's backoff, or the default one when the policy throws or answers null or negative. */
    private Duration backoff(int failures, List<String> anomalies) {
        try {
            Duration backoff = retryPolicy.backoff(failures);
            if (backoff != null && !backoff.isNegative()) {
                return backoff;
            }
            report(anomalies, "RetryPolicy.backoff(" + failures + ") returned " + backoff
                    + "; the default exponential backoff was used");
        } catch (RuntimeException | StackOverflowError e) {
            report(anomalies, "RetryPolicy.backoff(" + failures + ") threw " + Reasons.of(e)
                    + "; the default exponential backoff was used");
        }
        return FALLBACK.backoff(failures);
    }

    private static void report(List<String> anomalies, String anomaly) {
        if (!anomalies.contains(anomaly)) {
            anomalies.add(anomaly);
        }
    }

    /** A failure of the broker rather than of the message. */
    static boolean brokerUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BrokerUnavailableException) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable cause) {
        Throwable root = Reasons.unwrap(cause);
        return root instanceof TimeoutException
                ? root.getClass().getName() + ": the publisher did not answer within the relay's publishTimeout"
                : Reasons.of(root);
    }

    static String errorClass(Throwable cause) {
        return Reasons.unwrap(cause).getClass().getName();
    }

    /** A message the publisher returned no usable result for; cheap (no stack trace), as it describes a result. */
    static final class NoResult extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoResult() {
            this("the publisher returned no result for this message");
        }

        NoResult(String message) {
            super(message, null, false, false);
        }
    }
}
