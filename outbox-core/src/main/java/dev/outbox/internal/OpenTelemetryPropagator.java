package dev.outbox.internal;

import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The current OpenTelemetry span as W3C headers, and back. Loaded only when {@code opentelemetry-api} is present. */
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

    @Override
    public Scope makeCurrent(TraceContext context) {
        Map<String, String> carrier = new HashMap<>(2);
        carrier.put(TRACEPARENT, context.traceparent());
        if (context.tracestate() != null) {
            carrier.put(TRACESTATE, context.tracestate());
        }
        Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.current(), carrier, GETTER);
        io.opentelemetry.context.Scope scope = extracted.makeCurrent();
        return scope::close;
    }

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
}
