package dev.outbox.spring;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class MariaDbStarterTest extends StarterContract {
    @Override
    protected JdbcServer server() {
        return TestServers.mysql();
    }
}
