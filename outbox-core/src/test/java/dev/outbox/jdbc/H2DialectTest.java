package dev.outbox.jdbc;

import dev.outbox.testing.DialectContract;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class H2DialectTest extends DialectContract {

    @Override
    protected JdbcServer server() {
        return TestServers.h2();
    }

    @Override
    protected String expectedDialectName() {
        return "h2";
    }
}
