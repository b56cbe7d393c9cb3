package dev.outbox.internal;

import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * OpenTelemetry spans along a message's life, and the W3C context that links them. Loaded only when
 * {@code opentelemetry-api} is present. Spans go to the {@link OpenTelemetry} given, else to
 * {@code GlobalOpenTelemetry} once one is registered (API 1.52+ can tell without registering a no-op itself).
 */
public final class OpenTelemetryPropagator implements TraceContextPropagator {
    /** {@code GlobalOpenTelemetry.isSet()}, where the API has it (1.52+); null before. */
    private static final MethodHandle IS_SET = isSet();
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";
    private static final String SCOPE = "dev.outbox";
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    private static final AttributeKey<String> CONSUMER = AttributeKey.stringKey("messaging.consumer.group.name");
    private static final AttributeKey<String> KEY = AttributeKey.stringKey("outbox.message.key");
    private static final String OUTBOX = "outbox";

    private final OpenTelemetry openTelemetry;

    /** Spans to {@code openTelemetry}, or to the global instance once registered when null. */
    public OpenTelemetryPropagator(OpenTelemetry openTelemetry) {
        this.openTelemetry = openTelemetry;
    }

    private static MethodHandle isSet() {
        try {
            return MethodHandles.publicLookup().findStatic(GlobalOpenTelemetry.class, "isSet",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException before152) {
            return null;
        }
    }

    @Override
    public Optional<TraceContext> current() {
        return contextOf(Context.current());
    }

    @Override
    public Scope makeCurrent(TraceContext context) {
        io.opentelemetry.context.Scope scope = extract(context.traceparent(), context.tracestate()).makeCurrent();
        return scope::close;
    }

    @Override
    public Optional<TraceContext> written(String destination) {
        if (!recordsSpans()) {
            return current();
        }
        io.opentelemetry.api.trace.Span span = tracer().spanBuilder("create " + destination)
                .setSpanKind(SpanKind.PRODUCER).setAttribute(SYSTEM, OUTBOX).setAttribute(DESTINATION, destination)
                .setAttribute(OPERATION, "create").setAttribute(OPERATION_NAME, "write").startSpan();
        try {
            return contextOf(Context.current().with(span));
        } finally {
            span.end();
        }
    }

    /**
     * True once an SDK is registered globally. Never calls {@code GlobalOpenTelemetry.get()} before that: it would
     * install a no-op global and make the application's later registration fail.
     */
    @Override
    public boolean recordsSpans() {
        OpenTelemetry otel = openTelemetry();
        return otel != null && otel.getTracerProvider() != TracerProvider.noop();
    }

    /** The instance spans go to, or null while none is registered. */
    private OpenTelemetry openTelemetry() {
        if (openTelemetry != null) {
            return openTelemetry;
        }
        try {
            return IS_SET != null && (boolean) IS_SET.invokeExact() ? GlobalOpenTelemetry.get() : null;
        } catch (Throwable e) {
            return null;
        }
    }

    @Override
    public Span publishing(OutboundMessage message) {
        if (!recordsSpans()) {
            return Span.NONE;
        }
        io.opentelemetry.api.trace.Span span = tracer().spanBuilder("send " + message.destination())
                .setParent(extract(message.traceparent(), message.tracestate()))
                .setSpanKind(SpanKind.PRODUCER).setAttribute(SYSTEM, OUTBOX)
                .setAttribute(DESTINATION, message.destination()).setAttribute(MESSAGE_ID, message.id().toString())
                .setAttribute(OPERATION, "send").setAttribute(OPERATION_NAME, "publish").startSpan();
        if (message.key() != null) {
            span.setAttribute(KEY, message.key());
        }
        return error -> end(span, error);
    }

    @Override
    public Span processing(InboundMessage message, String consumer) {
        if (!recordsSpans()) {
            return TraceContextPropagator.super.processing(message, consumer);
        }
        io.opentelemetry.api.trace.Span span = tracer().spanBuilder("process " + message.destination())
                .setParent(extract(message.traceparent(), message.tracestate()))
                .setSpanKind(SpanKind.CONSUMER).setAttribute(SYSTEM, OUTBOX)
                .setAttribute(DESTINATION, message.destination()).setAttribute(MESSAGE_ID, message.id())
                .setAttribute(OPERATION, "process").setAttribute(OPERATION_NAME, "process")
                .setAttribute(CONSUMER, consumer).startSpan();
        io.opentelemetry.context.Scope scope = span.makeCurrent();
        return error -> {
            scope.close();
            end(span, error);
        };
    }

    private static void end(io.opentelemetry.api.trace.Span span, Throwable error) {
        if (error != null) {
            span.setStatus(StatusCode.ERROR, error.getClass().getName());
            span.recordException(error);
        }
        span.end();
    }

    private Tracer tracer() {
        OpenTelemetry otel = openTelemetry();
        return (otel != null ? otel : OpenTelemetry.noop()).getTracer(SCOPE);
    }

    private static Optional<TraceContext> contextOf(Context context) {
        Map<String, String> carrier = new HashMap<>(2);
        W3CTraceContextPropagator.getInstance().inject(context, carrier, Map::put);
        String traceparent = carrier.get(TRACEPARENT);
        return traceparent == null
                ? Optional.empty()
                : Optional.of(new TraceContext(traceparent, carrier.get(TRACESTATE)));
    }

    /** The context a message carries; the root context (a new trace) when it carries none. */
    private static Context extract(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Context.root();
        }
        Map<String, String> carrier = new HashMap<>(2);
        carrier.put(TRACEPARENT, traceparent);
        if (tracestate != null) {
            carrier.put(TRACESTATE, tracestate);
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, GETTER);
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
