package dev.outbox.spring;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class PostgresStarterTest extends StarterContract {
    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }
}
