/**
 * In-memory doubles of the broker and the deduplication store, for tests and the quick start: not durable, not
 * for production. API.
 */
package dev.outbox.inmemory;
