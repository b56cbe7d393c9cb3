/**
 * OpenTelemetry tracing of a message's life when the SDK is not the global one; an optional dependency. API.
 */
package dev.outbox.opentelemetry;
