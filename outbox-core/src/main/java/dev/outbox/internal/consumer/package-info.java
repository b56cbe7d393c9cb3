/**
 * The idempotent consumer's parts: its transaction, failure classification and database dead letters. Not API.
 */
package dev.outbox.internal.consumer;
