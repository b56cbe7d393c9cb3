package dev.outbox.internal.relay;

import dev.outbox.internal.Database;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.Dialect;
import java.sql.SQLException;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a connection that LISTENs for the writers' commit notifications (PostgreSQL) and wakes the relay on each.
 * A lost connection is reopened after a pause; meanwhile the relay polls.
 */
public final class NotificationListener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.OutboxRelay");
    /**
     * How often the listener checks whether the relay is closing: closing waits up to this long for the connection
     * to come back. The wait is on the socket, without a round trip to the server.
     */
    static final Duration LISTEN_TIMEOUT = Duration.ofMillis(100);

    private final Database database;
    private final String relayId;
    private final Runnable wakeUp;
    private final Duration retryAfter;
    private final Thread thread;
    private volatile boolean running = true;

    public NotificationListener(Database database, String relayId, Runnable wakeUp, Duration retryAfter,
                                String threadName) {
        this.database = database;
        this.relayId = relayId;
        this.wakeUp = wakeUp;
        this.retryAfter = retryAfter;
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (running) {
            try (Handle handle = database.jdbi().open();
                 Dialect.Notifications notifications = database.stores(handle.getConnection()).dialect()
                         .listen(handle.getConnection(), database.tables().message()).orElseThrow()) {
                wakeUp.run();
                while (running) {
                    if (notifications.await(LISTEN_TIMEOUT)) {
                        wakeUp.run();
                    }
                }
            } catch (SQLException | RuntimeException | LinkageError e) {
                if (running) {
                    log.warn("Outbox relay {} lost its notification connection, polling meanwhile: {}", relayId,
                            Reasons.of(e));
                    pause();
                }
            }
        }
    }

    private void pause() {
        synchronized (this) {
            try {
                long until = System.nanoTime() + retryAfter.toNanos();
                long left;
                while (running && (left = until - System.nanoTime()) > 0) {
                    wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    /** Stops listening and waits (bounded) for the connection to be given back. */
    public void stop() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        try {
            thread.join(LISTEN_TIMEOUT.multipliedBy(4).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
