package dev.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.RelayContract;
import dev.outbox.testing.ScriptedPublisher;
import dev.outbox.testing.TestServers;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

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
}
