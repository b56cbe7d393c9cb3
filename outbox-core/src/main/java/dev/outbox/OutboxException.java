package dev.outbox;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception the library throws on purpose. Unchecked: callers decide where to handle it.
 *
 * <p>Subclasses say which side is at fault: {@link OutboxConfigurationException} (setup or schema),
 * {@link OutboxStoreException} (the database refused or failed a statement).
 *
 * <p>Safe to hand between threads once thrown.
 */
public class OutboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OutboxException(String message) {
        super(message);
    }

    public OutboxException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
