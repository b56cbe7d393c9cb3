package dev.outbox.testing;

import org.opentest4j.TestAbortedException;

/**
 * What a suite does when its server cannot be found: skipped with a printed reason, or, under {@code CI=true},
 * failed, so that a CI run never passes by skipping.
 */
final class ServerUnavailable {
    private ServerUnavailable() {
    }

    static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static RuntimeException report(String server, String variable, String example, String tried) {
        return report(server, variable, example, tried, underCi());
    }

    static RuntimeException report(String server, String variable, String example, String tried, boolean ci) {
        String reason = "No " + server + " server for the tests: set " + variable + " (e.g. " + example
                + "). Tried: " + tried;
        if (ci) {
            System.err.println("[outbox-test] FAILED (CI=true): " + reason);
            throw new AssertionError(reason + ". Under CI=true a missing server fails the run.");
        }
        System.err.println("[outbox-test] SKIPPED: " + reason);
        throw new TestAbortedException(reason);
    }
}
