package dev.outbox.internal.consumer;

import dev.outbox.spi.ConsumerTransactions;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default {@link ConsumerTransactions}: a Jdbi handle of its own per attempt. */
public final class JdbiTransactions implements ConsumerTransactions {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.IdempotentConsumer");

    private final Jdbi jdbi;

    public JdbiTransactions(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void inTransaction(Work work) throws Exception {
        try (Handle handle = jdbi.open()) {
            handle.begin();
            try {
                work.run(handle);
            } catch (Exception | Error e) {
                rollbackQuietly(handle, e);
                throw e;
            }
            try {
                handle.commit();
            } catch (RuntimeException e) {
                rollbackQuietly(handle, e);
                throw e;
            }
        }
    }

    private static void rollbackQuietly(Handle handle, Throwable cause) {
        try {
            if (handle.isInTransaction()) {
                handle.rollback();
            }
        } catch (RuntimeException e) {
            log.debug("rollback failed: {}", e.toString());
            cause.addSuppressed(e);
        }
    }
}
