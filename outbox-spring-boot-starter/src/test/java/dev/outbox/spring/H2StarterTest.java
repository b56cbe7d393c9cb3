package dev.outbox.spring;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class H2StarterTest extends StarterContract {
    @Override
    protected JdbcServer server() {
        return TestServers.h2();
    }
}
