package dev.outbox.examples.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU time and allocation of this JVM, for per-message costs: process CPU (every thread, the broker clients' I/O
 * threads included; the database and brokers run in other processes) and bytes allocated by all live threads.
 */
record Metrics(long cpuNanos, long allocatedBytes) {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static Metrics now() {
        long allocated = 0;
        for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
            allocated += Math.max(0, bytes);
        }
        return new Metrics(OS.getProcessCpuTime(), allocated);
    }

    /** CPU microseconds and bytes allocated per message since {@code start}. */
    Cost since(Metrics start, long messages) {
        long n = Math.max(1, messages);
        return new Cost((cpuNanos - start.cpuNanos) / 1000.0 / n, (double) (allocatedBytes - start.allocatedBytes) / n);
    }

    /** Per-message costs. */
    record Cost(double cpuMicros, double allocatedBytes) {
    }
}
