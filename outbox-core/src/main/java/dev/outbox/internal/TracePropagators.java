package dev.outbox.internal;

import dev.outbox.spi.TraceContextPropagator;

/** Chooses the default trace propagator: OpenTelemetry when its API is on the classpath, else none. */
public final class TracePropagators {
    private TracePropagators() {
    }

    public static TraceContextPropagator detect() {
        try {
            Class.forName("io.opentelemetry.api.trace.Span", false, TracePropagators.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError absent) {
            return TraceContextPropagator.none();
        }
        return new OpenTelemetryPropagator(null);
    }
}
