package dev.outbox.internal.relay;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.Reasons;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls a {@link MessagePublisher} so that nothing it does can stall the relay. {@code publish} runs on the calling
 * lane's own thread (no hand-off per batch), under a {@link Watch}: a call that has not returned within the publish
 * timeout gets its lane replaced (see {@link Lanes}), so a publisher that blocks, or never returns, costs one
 * thread, not the relay. Its answer is awaited for the rest of the publish timeout. Whatever goes wrong becomes a
 * {@link Published#error()} for the classifier.
 */
public final class GuardedPublisher {
    private final MessagePublisher publisher;
    private final Duration timeout;

    public GuardedPublisher(MessagePublisher publisher, Duration timeout) {
        this.publisher = publisher;
        this.timeout = timeout;
    }

    /** Marks the span of a {@code publish} call, so that a call that does not return can be noticed. */
    public interface Watch {
        void publishing();

        void returned();
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
    public Published publish(List<OutboundMessage> batch, Watch watch) throws InterruptedException {
        long start = System.nanoTime();
        CompletionStage<List<PublishResult>> stage;
        watch.publishing();
        try {
            stage = publisher.publish(batch);
        } catch (Throwable e) {
            // Whatever a publisher throws, Errors included, fails its batch, not the lane.
            return new Published(null, e);
        } finally {
            watch.returned();
        }
        if (stage == null) {
            return new Published(null,
                    new OutcomeClassifier.NoResult("the publisher returned null instead of a CompletionStage"));
        }
        try {
            List<PublishResult> results = future(stage).get(Math.max(0, timeout.toNanos()
                    - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
            return results == null
                    ? new Published(null, new OutcomeClassifier.NoResult("the publisher completed without a result list"))
                    : new Published(results, null);
        } catch (ExecutionException e) {
            return new Published(null, Reasons.unwrap(e));
        } catch (TimeoutException e) {
            return new Published(null, e);
        } catch (RuntimeException e) {
            return new Published(null, e);
        }
    }

    /** The stage as a future; a stage of another kind is bridged, as its {@code toCompletableFuture} may throw. */
    private static CompletableFuture<List<PublishResult>> future(CompletionStage<List<PublishResult>> stage) {
        if (stage instanceof CompletableFuture<List<PublishResult>> future) {
            return future;
        }
        CompletableFuture<List<PublishResult>> bridged = new CompletableFuture<>();
        stage.whenComplete((results, error) -> {
            if (error != null) {
                bridged.completeExceptionally(error);
            } else {
                bridged.complete(results);
            }
        });
        return bridged;
    }
}
