package dev.outbox;

import org.jspecify.annotations.Nullable;

/**
 * A database statement issued by the library failed. The caller's transaction is left as the database left it:
 * the library never commits or rolls back a connection it was given, so the caller decides.
 *
 * <p>Safe to hand between threads once thrown.
 */
public class OutboxStoreException extends OutboxException {
    private static final long serialVersionUID = 1L;

    public OutboxStoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
