package dev.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.RelayContract;
import dev.outbox.testing.ScriptedPublisher;
import dev.outbox.testing.TestServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class PostgresRelayTest extends RelayContract {

    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }

    @Test
    void notificationFromAnotherProcessWakesTheRelay() throws Exception {
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        write(1, i -> message("priming"));
        started(relay(publisher).minPollInterval(Duration.ofSeconds(10)).maxPollInterval(Duration.ofSeconds(10)));
        await().atMost(Duration.ofSeconds(30)).until(() -> publisher.acked().size() == 1 && pending() == 0);
        // Nothing else to publish: the relay has gone back to waiting for its (long) poll interval.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 1);

        // A plain JDBC commit: no in-process signal, only the writer's pg_notify reaches the relay.
        Instant start = Instant.now();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            outbox.write(c, message("notified").build());
            c.commit();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 2);
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aWriteThatDidNotNotifyIsFoundByThePollThatFollowsWork() throws Exception {
        // Only the first write of an interval notifies: the second, committed after the relay published the first,
        // is found by the relay's polls after work (minPollInterval, doubling), long before its 10 s idle poll.
        Outbox throttled = builder().notifyInterval(Outbox.MAX_NOTIFY_INTERVAL).build();
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher).maxPollInterval(Duration.ofSeconds(10)));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().isEmpty());
        try (Connection listener = db.connection(); Connection first = db.connection();
             Connection second = db.connection()) {
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN \"" + outbox.tables().message() + "\"");
            }
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            throttled.write(first, message("notifies").build());
            throttled.write(second, message("within the interval").build());
            first.commit();
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 1);
            second.commit();
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 2);
            // Other suites may notify on the same channel: count only what these two sessions sent.
            int firstPid = first.unwrap(PGConnection.class).getBackendPID();
            int secondPid = second.unwrap(PGConnection.class).getBackendPID();
            List<Integer> senders = Arrays.stream(listener.unwrap(PGConnection.class).getNotifications(100))
                    .map(PGNotification::getPID).filter(pid -> pid == firstPid || pid == secondPid).toList();
            assertThat(senders).as("one notification for the two transactions").containsExactly(firstPid);
        } finally {
            try (Connection c = db.connection(); Statement s = c.createStatement()) {
                s.execute("UNLISTEN *");
            }
        }
    }

    @Test
    void aClosedRelayLeavesNoPooledConnectionListening() throws Exception {
        int size = 6;
        try (HikariDataSource pool = db.pool("listening", size)) {
            ScriptedPublisher publisher = ScriptedPublisher.acking();
            OutboxRelay relay = started(relay(publisher).dataSource(pool).maxInFlightBatches(4)
                    .minPollInterval(Duration.ofSeconds(10)).maxPollInterval(Duration.ofSeconds(10)));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> publisher.acked().isEmpty());
            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                outbox.write(c, message("wakes").build());
                c.commit();
            }
            // Published long before the 10 s poll: the relay is listening.
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 1);
            relay.close();
            assertThat(listening(pool, size)).as("connections still listening after close").isZero();
        }
    }

    /** Borrows {@code count} connections of {@code pool} at once; how many LISTEN on a channel. */
    private static int listening(HikariDataSource pool, int count) throws SQLException {
        List<Connection> borrowed = new ArrayList<>();
        try {
            int listening = 0;
            for (int i = 0; i < count; i++) {
                Connection c = pool.getConnection();
                borrowed.add(c);
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_listening_channels()")) {
                    rs.next();
                    listening += rs.getInt(1) > 0 ? 1 : 0;
                }
            }
            return listening;
        } finally {
            for (Connection c : borrowed) {
                c.close();
            }
        }
    }
}
