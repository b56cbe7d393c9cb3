package dev.outbox.jdbc;

import dev.outbox.testing.DeduplicationStoreContract;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;

class PostgresDeduplicationStoreTest extends DeduplicationStoreContract {

    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }
}
