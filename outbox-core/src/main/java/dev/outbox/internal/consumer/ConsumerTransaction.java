package dev.outbox.internal.consumer;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.ConsumerTransactions;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.TraceContextPropagator;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.slf4j.MDC;

/**
 * One attempt of an idempotent consumer: in a transaction of {@link ConsumerTransactions}, record the id (a
 * duplicate rolls back and commits nothing), run the handler on the same handle with the message's MDC and trace
 * context, commit. Database failures outside the handler become {@link ConsumeOutcome.NotProcessed} (an outage when
 * the database could not be reached); a failure of the handler, or data the database refused, is returned for the
 * consumer to retry or dead-letter.
 */
public final class ConsumerTransaction {
    /** Thrown inside the transaction to roll back a duplicate; never seen outside this class. */
    private static final RuntimeException DUPLICATE = new RuntimeException("duplicate", null, false, false) {
    };

    private final ConsumerTransactions transactions;
    private final DeduplicationStore store;
    private final String consumer;
    private final TraceContextPropagator tracePropagator;

    public ConsumerTransaction(ConsumerTransactions transactions, DeduplicationStore store, String consumer,
                               TraceContextPropagator tracePropagator) {
        this.transactions = transactions;
        this.store = store;
        this.consumer = consumer;
        this.tracePropagator = tracePropagator;
    }

    /** Runs the handler in a transaction of its own with the message's context. */
    @FunctionalInterface
    public interface Handler {
        void handle(InboundMessage message, Handle handle) throws Exception;
    }

    /**
     * An attempt's result: a final outcome ({@code outcome}), or the failure to retry or dead-letter.
     *
     * @param outcome Processed, Duplicate or NotProcessed; null when the attempt failed
     * @param failure what failed (the handler, or data the database refused); null with an outcome
     * @param took how long a processed attempt took, handler and commit included
     */
    public record Result(ConsumeOutcome outcome, Throwable failure, Duration took) {
    }

    /** Where an attempt was when it failed, which tells whose fault the failure was. */
    private enum Stage { BEGIN, RECORD, HANDLE, COMMIT }

    public Result attempt(InboundMessage message, Handler handler) {
        long start = System.nanoTime();
        Stage[] stage = {Stage.BEGIN};
        // The processing span (or the producer's context) is current for the whole attempt, commit included.
        TraceContextPropagator.Span span = tracePropagator.processing(message, consumer);
        Throwable failure = null;
        try {
            transactions.inTransaction(handle -> {
                stage[0] = Stage.RECORD;
                if (!store.record(handle, consumer, message.id())) {
                    throw DUPLICATE;
                }
                stage[0] = Stage.HANDLE;
                run(message, handler, handle);
                stage[0] = Stage.COMMIT;
            });
        } catch (Exception | Error e) {
            if (e == DUPLICATE) {
                return new Result(new ConsumeOutcome.Duplicate(), null, null);
            }
            failure = e;
            return failedAt(stage[0], e);
        } finally {
            span.end(failure);
        }
        return new Result(new ConsumeOutcome.Processed(), null, Duration.ofNanos(System.nanoTime() - start));
    }

    private static Result failedAt(Stage stage, Throwable e) {
        if (stage == Stage.HANDLE || Failures.dataError(e) != null) {
            return new Result(null, e, null);
        }
        if (e instanceof Error error) {
            throw error;
        }
        return switch (stage) {
            case BEGIN -> new Result(new ConsumeOutcome.NotProcessed(Reasons.of("database unavailable", e), e, true),
                    null, null);
            case RECORD -> notProcessed("the deduplication store failed", e);
            default -> notProcessed("commit failed", e);
        };
    }

    private void run(InboundMessage message, Handler handler, Handle handle) throws Exception {
        MDC.put("outbox.messageId", Reasons.forLog(message.id()));
        if (message.correlationId() != null) {
            MDC.put("outbox.correlationId", Reasons.forLog(message.correlationId()));
        }
        try {
            handler.handle(message, handle);
        } finally {
            MDC.remove("outbox.messageId");
            MDC.remove("outbox.correlationId");
        }
    }

    private static Result notProcessed(String what, Throwable e) {
        return new Result(new ConsumeOutcome.NotProcessed(Reasons.of(what, e), e, Failures.outage(e)), null, null);
    }
}
