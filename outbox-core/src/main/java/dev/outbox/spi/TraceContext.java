package dev.outbox.spi;

import java.util.Objects;

/**
 * A W3C trace context as carried in the {@code traceparent} and {@code tracestate} headers.
 *
 * @param traceparent the {@code traceparent} value, never null
 * @param tracestate the {@code tracestate} value, or null when there is none
 */
public record TraceContext(String traceparent, String tracestate) {
    public TraceContext {
        Objects.requireNonNull(traceparent, "traceparent");
    }
}
