package dev.outbox.spi;

import java.util.Optional;

/**
 * Reads the caller's current trace context at write time, so that a message carries the trace of the transaction
 * that wrote it, and restores a received message's context around its handler.
 *
 * <p>The default detects the optional {@code opentelemetry-api} on the classpath and reads its current span;
 * without it, {@link #none()} is used and messages carry only what the caller set explicitly.
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
