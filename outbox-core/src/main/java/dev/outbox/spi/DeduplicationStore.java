package dev.outbox.spi;

import java.time.Instant;
import org.jdbi.v3.core.Handle;

/**
 * Remembers which messages a consumer has processed, in the same transaction as the consumer's own writes, so
 * that a redelivered message is recognised and skipped: the heart of the exactly-once effect.
 *
 * <p>The shipped store is {@code dev.outbox.jdbc.JdbcDeduplicationStore} (table {@code outbox_inbox}); prove
 * another with {@code DeduplicationStoreContract} from the core test-jar.
 *
 * <p>Implementations are called by every consumer thread at once and must be thread-safe; each call works only on the
 * connection it is given.
 */
public interface DeduplicationStore {

    /**
     * Records that {@code consumer} processed {@code messageId}, in the transaction of {@code handle}.
     *
     * @return true when recorded now; false when it was already recorded (a duplicate). A concurrent transaction
     *     recording the same pair makes this call wait for it: false if it commits, true if it rolls back.
     */
    boolean record(Handle handle, String consumer, String messageId);

    /**
     * Forgets records older than {@code cutoff}. A duplicate arriving after its record is purged is processed
     * again: keep the retention longer than the broker can redeliver.
     *
     * @return how many records were deleted
     */
    int purgeOlderThan(Instant cutoff);
}
