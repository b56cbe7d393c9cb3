package dev.outbox.internal.relay;

import dev.outbox.internal.Database;
import dev.outbox.spi.Reasons;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay's periodic jobs, each a small task on the relay's one timer thread: the partition lease heartbeat
 * (ordered mode) and the purge of published rows kept for a retention window. A job that fails is logged and runs
 * again at its next period.
 */
public final class Housekeeping {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.OutboxRelay");
    /** Published rows purged per statement in retention mode: bounded, so a purge never holds long locks. */
    static final int PURGE_BATCH = 5_000;
    /** Shortest period between purges. */
    private static final Duration MIN_PURGE_PERIOD = Duration.ofSeconds(1);

    private final Database database;
    private final String relayId;
    private final Clock clock;
    private final Runnable wakeUp;

    public Housekeeping(Database database, String relayId, Clock clock, Runnable wakeUp) {
        this.database = database;
        this.relayId = relayId;
        this.clock = clock;
        this.wakeUp = wakeUp;
    }

    /** Renews the leases now (so that the relay starts with its share), then every third of the lease timeout. */
    public void scheduleHeartbeat(ScheduledExecutorService timer, PartitionLeases leases, Duration leaseTimeout) {
        heartbeat(leases);
        long period = leaseTimeout.dividedBy(3).toMillis();
        timer.scheduleWithFixedDelay(() -> heartbeat(leases), period, period, TimeUnit.MILLISECONDS);
    }

    /** Purges published rows older than {@code retention} every tenth of it, in bounded batches. */
    public void schedulePurge(ScheduledExecutorService timer, Duration retention, BooleanSupplier running) {
        long period = Math.max(MIN_PURGE_PERIOD.toMillis(), retention.dividedBy(10).toMillis());
        timer.scheduleWithFixedDelay(() -> purge(retention, running), period, period, TimeUnit.MILLISECONDS);
    }

    /** Gives up this relay's leases, so the others take over at their next heartbeat. */
    public void release(PartitionLeases leases, Duration leaseTimeout) {
        try {
            database.withConnection((connection, stores) -> {
                leases.release(connection);
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            log.warn("Outbox relay {} could not release its partition leases; they expire in {}: {}", relayId,
                    leaseTimeout, Reasons.of(e));
        }
    }

    private void heartbeat(PartitionLeases leases) {
        try {
            database.withConnection((connection, stores) -> {
                leases.heartbeat(connection);
                return null;
            });
            wakeUp.run();
        } catch (SQLException | RuntimeException | LinkageError e) {
            log.warn("Outbox relay {} could not renew its partition leases: {}", relayId, Reasons.of(e));
        }
    }

    private void purge(Duration retention, BooleanSupplier running) {
        try {
            Instant before = clock.instant().minus(retention);
            int purged;
            do {
                purged = database.withConnection((c, stores) -> stores.relay().purgePublished(c, before,
                        PURGE_BATCH));
            } while (purged == PURGE_BATCH && running.getAsBoolean());
        } catch (SQLException | RuntimeException | LinkageError e) {
            log.warn("Outbox relay {} could not purge published messages: {}", relayId, Reasons.of(e));
        }
    }
}
