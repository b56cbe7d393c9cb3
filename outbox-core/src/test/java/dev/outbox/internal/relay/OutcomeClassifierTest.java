package dev.outbox.internal.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class OutcomeClassifierTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration STEP = Duration.ofSeconds(1);

    private final OutcomeClassifier classifier = new OutcomeClassifier(failures -> STEP.multipliedBy(failures),
            DeadLetterPolicy.afterAttempts(3));

    @Test
    void ackedFailedAndRejectedMessagesEachGetTheirFate() {
        List<Claimed> batch = batch(0, 0, 0);
        BatchOutcome outcome = classifier.classify(batch, List.of(acked(batch, 0),
                PublishResult.failed(id(batch, 1), new IllegalStateException("later")),
                PublishResult.rejected(id(batch, 2), "too large")), null, NOW, 0);

        assertThat(outcome.acked()).containsExactly(batch.get(0));
        assertThat(outcome.retries()).singleElement().satisfies(r -> {
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.nextAttemptAt()).isEqualTo(NOW.plus(STEP));
            assertThat(r.error()).isEqualTo("java.lang.IllegalStateException: later");
            assertThat(r.errorClass()).isEqualTo("java.lang.IllegalStateException");
        });
        assertThat(outcome.dead()).singleElement().satisfies(d -> assertThat(d.error())
                .isEqualTo("rejected by the broker: too large"));
        assertThat(outcome.anomalies()).isEmpty();
    }

    @Test
    void theLastAllowedFailureDeadLetters() {
        List<Claimed> batch = batch(2);
        BatchOutcome outcome = classifier.classify(batch, List.of(PublishResult.failed(id(batch, 0),
                new IllegalStateException("again"))), null, NOW, 0);
        assertThat(outcome.dead()).singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(3));
    }

    @Test
    void brokerOutagesAreNotCountedAndBackOffWithinTheFirstSteps() {
        List<Claimed> batch = batch(2);
        BrokerUnavailableException down = new BrokerUnavailableException("connection refused", null);
        BatchOutcome outcome = classifier.classify(batch, List.of(PublishResult.failed(id(batch, 0), down)), null,
                NOW, 9);
        assertThat(outcome.outage()).isSameAs(down);
        assertThat(outcome.retries()).singleElement().satisfies(r -> {
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.nextAttemptAt()).isEqualTo(NOW.plus(STEP.multipliedBy(OutcomeClassifier.OUTAGE_BACKOFF_STEPS)));
        });
    }

    @Test
    void anOutageBackoffOfZeroIsRaisedToTheFloor() {
        OutcomeClassifier zero = new OutcomeClassifier(RetryPolicy.fixed(Duration.ZERO), DeadLetterPolicy.defaults());
        List<Claimed> batch = batch(0);
        BatchOutcome outcome = zero.classify(batch, null, new BrokerUnavailableException("down", null), NOW, 0);
        assertThat(outcome.retries().get(0).nextAttemptAt()).isEqualTo(NOW.plus(OutcomeClassifier.MIN_OUTAGE_BACKOFF));
    }

    @Test
    void aBatchThatFailedAsAWholeCountsAnAttemptForEachMessage() {
        List<Claimed> batch = batch(0, 0);
        BatchOutcome outcome = classifier.classify(batch, null, new TimeoutException(), NOW, 0);
        assertThat(outcome.retries()).hasSize(2).allSatisfy(r -> {
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.error()).contains("publishTimeout");
        });
        assertThat(outcome.outage()).isNull();
    }

    @Test
    void aMissingResultFailsItsMessageAndIsReported() {
        List<Claimed> batch = batch(0, 0);
        BatchOutcome outcome = classifier.classify(batch, List.of(acked(batch, 0)), null, NOW, 0);
        assertThat(outcome.acked()).containsExactly(batch.get(0));
        assertThat(outcome.retries()).singleElement().satisfies(r -> {
            assertThat(r.claim()).isEqualTo(batch.get(1));
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.error()).contains("no result");
        });
        assertThat(outcome.anomalies()).containsExactly("the publisher returned no result for 1 of 2 message(s)");
    }

    @Test
    void strangersNullsAndContradictionsAreReportedAndNeverAcked() {
        List<Claimed> batch = batch(0, 0);
        List<PublishResult> results = new ArrayList<>(Arrays.asList(acked(batch, 0), null,
                PublishResult.acked(UUID.randomUUID()), acked(batch, 1),
                PublishResult.failed(id(batch, 1), new IllegalStateException("no"))));
        BatchOutcome outcome = classifier.classify(batch, results, null, NOW, 0);
        assertThat(outcome.acked()).containsExactly(batch.get(0));
        assertThat(outcome.retries()).extracting(BatchOutcome.Retry::claim).containsExactly(batch.get(1));
        assertThat(outcome.anomalies()).containsExactlyInAnyOrder("the publisher returned 1 null result(s)",
                "the publisher returned 1 result(s) for messages not in the batch",
                "the publisher returned contradicting results for 1 message(s)");
    }

    @Test
    void aRetryPolicyThatThrowsOrAnswersNonsenseIsReplacedAndReportedOnce() {
        for (RetryPolicy broken : List.<RetryPolicy>of(n -> {
            throw new IllegalStateException("bug");
        }, n -> null, n -> Duration.ofSeconds(-5))) {
            OutcomeClassifier c = new OutcomeClassifier(broken, DeadLetterPolicy.defaults());
            List<Claimed> batch = batch(0, 0);
            BatchOutcome outcome = c.classify(batch, null, new IllegalStateException("down"), NOW, 0);
            assertThat(outcome.retries()).hasSize(2).allSatisfy(r -> {
                assertThat(r.attempts()).isEqualTo(1);
                assertThat(r.nextAttemptAt()).isBetween(NOW, NOW.plus(RetryPolicy.DEFAULT_INITIAL));
            });
            assertThat(outcome.anomalies()).hasSize(1).allSatisfy(a -> assertThat(a).contains("RetryPolicy.backoff(1)"));
        }
    }

    @Test
    void anUnreadableRowIsDeadLetteredWithoutCountingAnAttempt() {
        Claimed unreadable = new Claimed(7, message(4), 10, "the headers column is not a JSON object of strings");
        BatchOutcome outcome = classifier.classify(List.of(unreadable), List.of(), null, NOW, 0);
        assertThat(outcome.dead()).singleElement().satisfies(d -> {
            assertThat(d.attempts()).isEqualTo(4);
            assertThat(d.error()).isEqualTo("not published: the headers column is not a JSON object of strings");
        });
        assertThat(outcome.anomalies()).isEmpty();
    }

    @Test
    void rejectionReasonsAreCleanedOfControlCharacters() {
        List<Claimed> batch = batch(0);
        BatchOutcome outcome = classifier.classify(batch, List.of(PublishResult.rejected(id(batch, 0),
                "bad\r\nforged line\u0000")), null, NOW, 0);
        assertThat(outcome.dead().get(0).error()).isEqualTo("rejected by the broker: bad  forged line ");
    }

    private static List<Claimed> batch(int... attempts) {
        List<Claimed> batch = new ArrayList<>();
        for (int i = 0; i < attempts.length; i++) {
            batch.add(new Claimed(i + 1, message(attempts[i]), 200, null));
        }
        return batch;
    }

    private static OutboundMessage message(int attempts) {
        return new OutboundMessage(UUID.randomUUID(), "orders", null, "k", 0, "T", null, new byte[0], Map.of(), null,
                null, null, null, NOW, NOW, attempts);
    }

    private static UUID id(List<Claimed> batch, int i) {
        return batch.get(i).message().id();
    }

    private static PublishResult acked(List<Claimed> batch, int i) {
        return PublishResult.acked(id(batch, i));
    }
}
