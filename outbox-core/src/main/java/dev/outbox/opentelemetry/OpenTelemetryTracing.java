package dev.outbox.opentelemetry;

import dev.outbox.internal.OpenTelemetryPropagator;
import dev.outbox.spi.TraceContextPropagator;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;

/**
 * Tracing through a given {@link OpenTelemetry} instead of the global one: for applications that build their SDK
 * without registering it globally (Spring Boot does), or on an API older than 1.52. Pass the result to
 * {@code Outbox.builder().tracePropagator(...)} and {@code IdempotentConsumer.builder(...).tracePropagator(...)};
 * relays use their outbox's. Needs {@code opentelemetry-api} on the class path.
 *
 * <p>The propagator it returns is thread-safe.
 */
public final class OpenTelemetryTracing {
    private OpenTelemetryTracing() {
    }

    /** Create, send and process spans recorded with {@code openTelemetry}. */
    public static TraceContextPropagator of(OpenTelemetry openTelemetry) {
        return new OpenTelemetryPropagator(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }
}
