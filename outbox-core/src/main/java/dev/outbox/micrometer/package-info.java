/**
 * Micrometer meters for relays and consumers, fed by their listener events and a statistics snapshot. Needs
 * {@code micrometer-core}, an optional dependency. API.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.micrometer;

import org.jspecify.annotations.NullMarked;
