package dev.outbox.internal.consumer;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One attempt of an idempotent consumer: begin, record the id (a duplicate commits nothing), run the handler on the
 * same handle with the message's MDC and trace context, commit. Database failures outside the handler become
 * {@link ConsumeOutcome.NotProcessed} (an outage when the database could not be reached); a failure of the handler,
 * or data the database refused, is returned for the consumer to retry or dead-letter.
 */
public final class ConsumerTransaction {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.IdempotentConsumer");

    private final Jdbi jdbi;
    private final DeduplicationStore store;
    private final String consumer;
    private final TraceContextPropagator tracePropagator;

    public ConsumerTransaction(Jdbi jdbi, DeduplicationStore store, String consumer,
                               TraceContextPropagator tracePropagator) {
        this.jdbi = jdbi;
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

    public Result attempt(InboundMessage message, Handler handler) {
        long start = System.nanoTime();
        try (Handle handle = jdbi.open()) {
            try {
                handle.begin();
                if (!store.record(handle, consumer, message.id())) {
                    handle.rollback();
                    return new Result(new ConsumeOutcome.Duplicate(), null, null);
                }
            } catch (RuntimeException e) {
                rollbackQuietly(handle);
                return Failures.dataError(e) != null ? failed(e) : notProcessed("the deduplication store failed", e);
            }
            try {
                run(message, handler, handle);
            } catch (Exception | Error e) {
                rollbackQuietly(handle);
                return failed(e);
            }
            try {
                handle.commit();
            } catch (RuntimeException e) {
                rollbackQuietly(handle);
                return Failures.dataError(e) != null ? failed(e) : notProcessed("commit failed", e);
            }
            return new Result(new ConsumeOutcome.Processed(), null, Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            return new Result(new ConsumeOutcome.NotProcessed(Reasons.of("database unavailable", e), e, true), null,
                    null);
        }
    }

    private void run(InboundMessage message, Handler handler, Handle handle) throws Exception {
        MDC.put("outbox.messageId", Reasons.forLog(message.id()));
        if (message.correlationId() != null) {
            MDC.put("outbox.correlationId", Reasons.forLog(message.correlationId()));
        }
        TraceContextPropagator.Scope scope = message.traceparent() == null ? () -> { }
                : tracePropagator.makeCurrent(new TraceContext(message.traceparent(), message.tracestate()));
        try {
            handler.handle(message, handle);
        } finally {
            scope.close();
            MDC.remove("outbox.messageId");
            MDC.remove("outbox.correlationId");
        }
    }

    private static Result failed(Throwable e) {
        return new Result(null, e, null);
    }

    private static Result notProcessed(String what, RuntimeException e) {
        return new Result(new ConsumeOutcome.NotProcessed(Reasons.of(what, e), e, Failures.outage(e)), null, null);
    }

    private static void rollbackQuietly(Handle handle) {
        try {
            if (handle.isInTransaction()) {
                handle.rollback();
            }
        } catch (RuntimeException e) {
            log.debug("rollback failed: {}", e.toString());
        }
    }
}
