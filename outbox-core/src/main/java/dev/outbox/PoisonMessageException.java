package dev.outbox;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a handler (or by the consumer while decoding) when a message can never be processed, whatever the
 * number of attempts: it is dead-lettered at once with this exception's message as the reason.
 *
 * <p>Safe to hand between threads once thrown.
 */
public class PoisonMessageException extends OutboxException {
    private static final long serialVersionUID = 1L;

    public PoisonMessageException(String message) {
        super(message);
    }

    public PoisonMessageException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
