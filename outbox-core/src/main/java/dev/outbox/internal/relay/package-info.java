/**
 * The relay's parts, conducted by {@link dev.outbox.OutboxRelay}: lanes, the claim transaction, the outcome
 * classifier, events, dead-letter copies, housekeeping, the notification listener and the pool check. Not API.
 */
package dev.outbox.internal.relay;
