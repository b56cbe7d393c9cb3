package dev.outbox.internal;

import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Reads the current OpenTelemetry span as W3C headers. Loaded only when {@code opentelemetry-api} is present. */
final class OpenTelemetryPropagator implements TraceContextPropagator {
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";

    @Override
    public Optional<TraceContext> current() {
        Map<String, String> carrier = new HashMap<>(2);
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
        String traceparent = carrier.get(TRACEPARENT);
        return traceparent == null
                ? Optional.empty()
                : Optional.of(new TraceContext(traceparent, carrier.get(TRACESTATE)));
    }
}
