package dev.outbox.jdbc;

import dev.outbox.testing.DialectContract;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class MySqlDialectTest extends DialectContract {

    @Override
    protected JdbcServer server() {
        return TestServers.mysql();
    }

    @Override
    protected String expectedDialectName() {
        return "mysql";
    }
}
