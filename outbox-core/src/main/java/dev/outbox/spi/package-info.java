/**
 * What adapter and dialect authors implement and use: {@link dev.outbox.spi.MessagePublisher} and
 * {@link dev.outbox.spi.PublishResult} for brokers, {@link dev.outbox.spi.Deliveries} and
 * {@link dev.outbox.spi.Envelope} for consumer bindings, {@link dev.outbox.spi.Dialect} for databases, and the
 * policies and listeners the library calls. API: compatible changes only within a major version; a new method
 * always has a default.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.spi;

import org.jspecify.annotations.NullMarked;
