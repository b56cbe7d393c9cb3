package dev.outbox.internal;

import dev.outbox.spi.TraceContextPropagator;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * What an outbox shares with its relays, admin, schema and metrics: the database, the clock, the partition count,
 * the in-process commit signal and the relays' live statistics. One object, handed over once, instead of a door
 * per field in the writer.
 */
public final class OutboxRuntime {
    private final Database database;
    private final DataSource dataSource;
    private final Clock clock;
    private final int partitions;
    private final TraceContextPropagator tracing;
    private final List<Runnable> commitListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong inFlight = new AtomicLong();
    private volatile Instant lastPublishedAt;

    /**
     * @param database the outbox's database
     * @param dataSource the pool behind it when the outbox was given one (for pool-size checks), or null
     * @param clock the clock of every timestamp
     * @param partitions how many partitions keys are hashed into
     */
    public OutboxRuntime(Database database, DataSource dataSource, Clock clock, int partitions,
                         TraceContextPropagator tracing) {
        this.database = database;
        this.dataSource = dataSource;
        this.clock = clock;
        this.partitions = partitions;
        this.tracing = tracing;
    }

    public Database database() {
        return database;
    }

    public Optional<DataSource> dataSource() {
        return Optional.ofNullable(dataSource);
    }

    public Clock clock() {
        return clock;
    }

    /** The outbox's tracing, for the relay's publish spans. */
    public TraceContextPropagator tracing() {
        return tracing;
    }

    public int partitions() {
        return partitions;
    }

    /** Registers a relay's wake-up, run when a transaction with messages commits in this JVM. */
    public void onCommit(Runnable listener) {
        commitListeners.add(listener);
    }

    public void removeOnCommit(Runnable listener) {
        commitListeners.remove(listener);
    }

    public boolean hasCommitListeners() {
        return !commitListeners.isEmpty();
    }

    /** Wakes the relays of this outbox in this JVM. */
    public void committed() {
        for (Runnable listener : commitListeners) {
            listener.run();
        }
    }

    /** Messages claimed and not yet completed by relays of this outbox in this JVM. */
    public long inFlight() {
        return inFlight.get();
    }

    public void addInFlight(long delta) {
        inFlight.addAndGet(delta);
    }

    /** The last broker ack a relay of this outbox saw in this JVM, or null. */
    public Instant lastPublishedAt() {
        return lastPublishedAt;
    }

    public void published(Instant at) {
        lastPublishedAt = at;
    }
}
