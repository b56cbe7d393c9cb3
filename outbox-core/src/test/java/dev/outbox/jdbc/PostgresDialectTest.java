package dev.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.testing.DialectContract;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class PostgresDialectTest extends DialectContract {

    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }

    @Override
    protected String expectedDialectName() {
        return "postgresql";
    }

    @Test
    void writeNotifiesListenersAtCommitOnly() throws Exception {
        try (Connection listener = db.connection(); Connection writer = db.connection()) {
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN \"" + outbox.tables().message() + "\"");
            }
            PGConnection pg = listener.unwrap(PGConnection.class);
            writer.setAutoCommit(false);
            outbox.write(writer, message().build());
            assertThat(pg.getNotifications(200)).isNullOrEmpty();
            writer.commit();
            PGNotification[] notifications = pg.getNotifications(5000);
            assertThat(notifications).isNotEmpty();
            assertThat(notifications[0].getName()).isEqualTo(outbox.tables().message());
        }
    }
}
