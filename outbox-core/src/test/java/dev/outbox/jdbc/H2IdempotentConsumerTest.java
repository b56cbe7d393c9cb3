package dev.outbox.jdbc;

import dev.outbox.testing.IdempotentConsumerContract;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class H2IdempotentConsumerTest extends IdempotentConsumerContract {

    @Override
    protected JdbcServer server() {
        return TestServers.h2();
    }
}
