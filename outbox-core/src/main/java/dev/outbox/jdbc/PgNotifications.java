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
    private final Connection connection;
    private final PGConnection pg;
    private final String quotedChannel;

    private PgNotifications(Connection connection, String quotedChannel) throws SQLException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.quotedChannel = quotedChannel;
    }

    static PgNotifications listen(Connection connection, String channel) throws SQLException {
        connection.setAutoCommit(true);
        String quoted = "\"" + channel.replace("\"", "\"\"") + "\"";
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN " + quoted);
        }
        return new PgNotifications(connection, quoted);
    }

    @Override
    public boolean await(Duration timeout) throws SQLException {
        PGNotification[] received = pg.getNotifications((int) Math.max(1, timeout.toMillis()));
        return received != null && received.length > 0;
    }

    /** UNLISTEN, then drops what the driver has buffered. */
    @Override
    public void close() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("UNLISTEN " + quotedChannel);
        }
        pg.getNotifications();
    }
}
