/**
 * OpenTelemetry tracing of a message's life when the SDK is not the global one; an optional dependency. API.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.opentelemetry;

import org.jspecify.annotations.NullMarked;
