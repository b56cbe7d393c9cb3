package dev.outbox.spi;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Tracing of a message's life: the writer records a span in the caller's trace and stores its context with the
 * message, the relay records a span per publish and the idempotent consumer one per processing, both children of
 * the stored context, so that write, publish and process form one trace.
 *
 * <p>The default detects the optional {@code opentelemetry-api} on the class path and records OpenTelemetry spans
 * following its messaging conventions ({@code create}, {@code send} and {@code process} spans, with
 * {@code messaging.destination.name}, {@code messaging.message.id}, {@code messaging.operation.type}) through
 * {@code GlobalOpenTelemetry}; without an SDK installed they cost next to nothing. Without the API,
 * {@link #none()} is used and messages carry only what the caller set explicitly.
 *
 * <p>Implementations are called by writers, relay lanes and consumer threads at once and must be thread-safe.
 */
public interface TraceContextPropagator {

    /** The current trace context, or empty when there is no valid current span. */
    Optional<TraceContext> current();

    /**
     * Makes a received message's trace context current on this thread until the scope is closed, so the
     * consumer's spans join the producer's trace. The default does nothing.
     */
    default Scope makeCurrent(TraceContext context) {
        return () -> { };
    }

    /**
     * Records the writing of a message to {@code destination} as a span of the caller's trace and returns the
     * context the message carries: that span's, so that publishing and processing join the trace under it. The
     * default records no span and returns {@link #current()}.
     */
    default Optional<TraceContext> written(String destination) {
        return current();
    }

    /** Whether {@link #publishing} and {@link #processing} record spans; when false the relay skips them. */
    default boolean recordsSpans() {
        return false;
    }

    /** Starts the span of publishing {@code message}, a child of the context it carries. The default records none. */
    default Span publishing(OutboundMessage message) {
        return Span.NONE;
    }

    /**
     * Starts the span of processing {@code message} by {@code consumer}, a child of the context it carries, and
     * makes it current until it ends. The default records no span and makes the carried context current.
     */
    default Span processing(InboundMessage message, String consumer) {
        if (message.traceparent() == null) {
            return Span.NONE;
        }
        Scope scope = makeCurrent(new TraceContext(message.traceparent(), message.tracestate()));
        return error -> scope.close();
    }

    /** A span being recorded: ended once, with the error that failed the step or null. */
    @FunctionalInterface
    interface Span {
        /** A span that records nothing. */
        Span NONE = error -> { };

        void end(@Nullable Throwable error);
    }

    /** A propagator that never captures anything. */
    static TraceContextPropagator none() {
        return Optional::empty;
    }

    /** Undoes {@link #makeCurrent}. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
