/** Runnable examples: the quick start. */
package dev.outbox.examples;
