package dev.outbox.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A W3C trace context as carried in the {@code traceparent} and {@code tracestate} headers.
 *
 * <p>Immutable and thread-safe.
 *
 * @param traceparent the {@code traceparent} value, never null
 * @param tracestate the {@code tracestate} value, or null when there is none
 */
public record TraceContext(String traceparent, @Nullable String tracestate) {
    public TraceContext {
        Objects.requireNonNull(traceparent, "traceparent");
    }
}
