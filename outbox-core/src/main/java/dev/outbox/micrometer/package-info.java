/**
 * Micrometer meters for relays and consumers, fed by their listener events and a statistics snapshot. Needs
 * {@code micrometer-core}, an optional dependency. API.
 */
package dev.outbox.micrometer;
