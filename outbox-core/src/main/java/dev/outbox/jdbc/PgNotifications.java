package dev.outbox.jdbc;

import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** LISTEN on a dedicated PostgreSQL connection. Its own class so the driver is loaded only on PostgreSQL. */
final class PgNotifications implements Dialect.Notifications {
    private final PGConnection connection;

    private PgNotifications(PGConnection connection) {
        this.connection = connection;
    }

    static PgNotifications listen(Connection connection, String channel) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN \"" + channel.replace("\"", "\"\"") + "\"");
        }
        return new PgNotifications(connection.unwrap(PGConnection.class));
    }

    @Override
    public boolean await(Duration timeout) throws SQLException {
        PGNotification[] received = connection.getNotifications((int) Math.max(1, timeout.toMillis()));
        return received != null && received.length > 0;
    }
}
