/** Benchmarks: programs that print figures beside the raw clients measured in the same run. */
package dev.outbox.examples.bench;
