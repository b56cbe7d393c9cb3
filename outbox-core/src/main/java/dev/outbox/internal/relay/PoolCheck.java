package dev.outbox.internal.relay;

import dev.outbox.Ordering;
import dev.outbox.OutboxConfigurationException;
import java.lang.reflect.Method;
import javax.sql.DataSource;

/**
 * Fails a relay's start when its connection pool cannot hold what the relay needs at once, instead of letting a
 * slow broker starve the application of connections later. Knows HikariCP (read reflectively: no dependency);
 * other pools are not checked.
 */
public final class PoolCheck {
    private static final String HIKARI = "com.zaxxer.hikari.HikariDataSource";

    private PoolCheck() {
    }

    /**
     * Checks the pool a relay with {@code settings} will use: its own, or {@code sharedPool} (the outbox's, or null
     * when the outbox was given a Jdbi).
     *
     * @param listens whether the relay holds a LISTEN connection
     */
    public static void verify(RelaySettings settings, DataSource sharedPool, boolean listens) {
        boolean timerHoldsConnection = settings.ordering() == Ordering.BY_KEY || !settings.retention().isZero();
        int needed = settings.maxInFlight() + (timerHoldsConnection ? 1 : 0) + (listens ? 1 : 0);
        String needs = settings.maxInFlight() + " for maxInFlightBatches" + (timerHoldsConnection
                ? ", 1 for the lease heartbeat and retention purge" : "") + (listens ? ", 1 for LISTEN" : "");
        boolean own = settings.dataSource() != null || settings.jdbi() != null;
        DataSource pool = own ? settings.dataSource() : sharedPool;
        if (pool != null) {
            verify(pool, needed, !own, needs);
        }
    }

    /**
     * @param dataSource the relay's pool
     * @param needed connections the relay holds at most at once
     * @param shared whether the application draws from the same pool (then at least one must be left for it)
     * @param needs how {@code needed} adds up, for the message
     * @throws OutboxConfigurationException when the pool is a Hikari pool smaller than that
     */
    private static void verify(DataSource dataSource, int needed, boolean shared, String needs) {
        Integer size = hikariPoolSize(dataSource);
        if (size == null) {
            return;
        }
        int required = shared ? needed + 1 : needed;
        if (size < required) {
            throw new OutboxConfigurationException("The connection pool has maximumPoolSize=" + size + " but this "
                    + "relay holds up to " + needed + " connections at once (" + needs + ")"
                    + (shared ? ", and the application needs at least one more" : "") + ". A slow broker would hold "
                    + "them all. Raise maximumPoolSize to at least " + required + ", lower maxInFlightBatches, or "
                    + (shared ? "give the relay its own pool with OutboxRelay.builder(outbox).dataSource(relayPool)"
                            : "give the relay a larger pool"));
        }
    }

    private static Integer hikariPoolSize(DataSource dataSource) {
        try {
            Object hikari = dataSource;
            if (!dataSource.getClass().getName().equals(HIKARI)) {
                Class<?> type = Class.forName(HIKARI, false, dataSource.getClass().getClassLoader());
                if (!dataSource.isWrapperFor(type)) {
                    return null;
                }
                hikari = dataSource.unwrap(type);
            }
            Method size = hikari.getClass().getMethod("getMaximumPoolSize");
            return (Integer) size.invoke(hikari);
        } catch (ReflectiveOperationException | java.sql.SQLException | RuntimeException | LinkageError notHikari) {
            return null;
        }
    }
}
