package dev.outbox.jdbc;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.RelayContract;
import dev.outbox.testing.TestServers;

class PostgresRelayTest extends RelayContract {

    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }
}
