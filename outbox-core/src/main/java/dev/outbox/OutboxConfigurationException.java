package dev.outbox;

import org.jspecify.annotations.Nullable;

/**
 * The library cannot work as configured: a missing table, an unsupported database, a connection that is not in a
 * transaction. The message says what to change.
 *
 * <p>Safe to hand between threads once thrown.
 */
public class OutboxConfigurationException extends OutboxException {
    private static final long serialVersionUID = 1L;

    public OutboxConfigurationException(String message) {
        super(message);
    }

    public OutboxConfigurationException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
