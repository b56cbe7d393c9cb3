package dev.outbox.cli;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;

class MariaDbCliIT extends CliContract {
    @Override
    protected Target createTarget() {
        JdbcServer server = TestServers.mysql();
        TestDatabase db = server.createDatabase("cli");
        return new Target(db.url(), server.user(), server.password(), db.dataSource(), db);
    }

    @Override
    protected JdbcServer.Kind kind() {
        return JdbcServer.Kind.MYSQL;
    }
}
