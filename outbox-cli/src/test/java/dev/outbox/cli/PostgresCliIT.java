package dev.outbox.cli;

import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

class PostgresCliIT extends CliContract {
    @Override
    protected Target createTarget() {
        JdbcServer server = TestServers.postgres();
        TestDatabase db = server.createDatabase("cli");
        return new Target(db.url(), server.user(), server.password(), db.dataSource(), db);
    }

    @Override
    protected JdbcServer.Kind kind() {
        return JdbcServer.Kind.POSTGRESQL;
    }

    @Test
    @Order(10)
    void hundredThousandDeadLettersReplayInOneCommandWithProgress() throws Exception {
        replayInOneCommand("INSERT INTO outbox_dead_letter (seq, id, origin, destination, message_key, partition_no,"
                + " message_type, content_type, payload, created_at, attempts, last_error, failed_at, blocks_key,"
                + " error_class) SELECT g, gen_random_uuid(), 'relay', 'bulk', 'k' || (g % 1000), g % 32, 'Bulk',"
                + " 'application/json', '\\x7b7d'::bytea, now(), 10, 'boom', now(), false, 'java.io.IOException'"
                + " FROM generate_series(1, 100000) g", 100_000);
    }
}
