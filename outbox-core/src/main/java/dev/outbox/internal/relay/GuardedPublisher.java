package dev.outbox.internal.relay;

import dev.outbox.spi.Reasons;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls a {@link MessagePublisher} so that nothing it does can stall a lane: {@code publish} runs on a thread of
 * its own (a call that blocks, or never returns, costs that thread, not the relay), and its answer is awaited for
 * at most the publish timeout. Whatever goes wrong becomes a {@link Published#error()} for the classifier.
 */
public final class GuardedPublisher {
    private final MessagePublisher publisher;
    private final ExecutorService calls;
    private final Duration timeout;

    public GuardedPublisher(MessagePublisher publisher, ExecutorService calls, Duration timeout) {
        this.publisher = publisher;
        this.calls = calls;
        this.timeout = timeout;
    }

    /**
     * A publish's answer: the results, or why there are none.
     *
     * @param results one result per message as the publisher returned them, or null
     * @param error the exception thrown, the stage's failure, a {@link TimeoutException}, or null
     */
    public record Published(List<PublishResult> results, Throwable error) {
    }

    /**
     * Publishes {@code batch} and waits for the answer.
     *
     * @throws InterruptedException when the relay is closing and abandoned the batch
     */
    public Published publish(List<OutboundMessage> batch) throws InterruptedException {
        CompletableFuture<List<PublishResult>> answer;
        try {
            answer = CompletableFuture.supplyAsync(() -> publisher.publish(batch), calls)
                    .thenCompose(GuardedPublisher::nonNull);
        } catch (RuntimeException rejected) {
            return new Published(null, rejected);
        }
        try {
            List<PublishResult> results = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return results == null
                    ? new Published(null, new OutcomeClassifier.NoResult("the publisher completed without a result list"))
                    : new Published(results, null);
        } catch (ExecutionException e) {
            return new Published(null, Reasons.unwrap(e));
        } catch (TimeoutException e) {
            answer.cancel(false);
            return new Published(null, e);
        }
    }

    private static CompletionStage<List<PublishResult>> nonNull(CompletionStage<List<PublishResult>> stage) {
        return stage != null ? stage : CompletableFuture.failedFuture(
                new OutcomeClassifier.NoResult("the publisher returned null instead of a CompletionStage"));
    }
}
