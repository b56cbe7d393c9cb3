package dev.outbox.inmemory;

import dev.outbox.spi.DeduplicationStore;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * A {@link DeduplicationStore} in memory, <b>for tests only</b>: it forgets everything on restart, and it is not
 * atomic with the database (a record is dropped when the handle rolls back, but a crash between commit and the
 * record is not covered). Thread-safe.
 */
public final class InMemoryDeduplicationStore implements DeduplicationStore {
    private final Map<String, Instant> processed = new ConcurrentHashMap<>();

    @Override
    public boolean record(Handle handle, String consumer, String messageId) {
        String key = consumer + '\u0000' + messageId;
        if (processed.putIfAbsent(key, Instant.now()) != null) {
            return false;
        }
        handle.afterRollback(() -> processed.remove(key));
        return true;
    }

    @Override
    public int purgeOlderThan(Instant cutoff) {
        int before = processed.size();
        processed.values().removeIf(at -> at.isBefore(cutoff));
        return before - processed.size();
    }
}
