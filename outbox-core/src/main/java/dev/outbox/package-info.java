/**
 * What applications use: {@link dev.outbox.Outbox} writes messages in the caller's transaction,
 * {@link dev.outbox.OutboxRelay} publishes them, {@link dev.outbox.IdempotentConsumer} processes received ones
 * exactly once in effect, {@link dev.outbox.OutboxAdmin} and {@link dev.outbox.OutboxRetention} look after what is
 * left. API: compatible changes only within a major version.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify). Builders are not thread-safe: configure one on
 * one thread; what they build is thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.outbox;

import org.jspecify.annotations.NullMarked;
