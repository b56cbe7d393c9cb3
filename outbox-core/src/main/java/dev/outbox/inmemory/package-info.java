/**
 * In-memory doubles of the broker and the deduplication store, for tests and the quick start: not durable, not
 * for production. API.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.inmemory;

import org.jspecify.annotations.NullMarked;
