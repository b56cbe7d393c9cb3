package dev.outbox.testing;

import dev.outbox.Outbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the contract suites that run on a database: a namespace of their own on the real server, an outbox
 * configured by {@link #configure}, and its schema, created once per suite and dropped afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DatabaseContract {
    protected TestDatabase db;
    protected Outbox outbox;

    /** The server to run against, usually from {@link TestServers}. */
    protected abstract JdbcServer server();

    /** Settings of the suite's outbox beyond its data source. */
    protected Outbox.Builder configure(Outbox.Builder builder) {
        return builder;
    }

    /** A builder for another outbox on the suite's database, configured like the suite's. */
    protected Outbox.Builder builder() {
        return configure(Outbox.builder().dataSource(db.dataSource()));
    }

    @BeforeAll
    void createDatabase() {
        db = server().createDatabase(getClass().getSimpleName());
        outbox = builder().build();
        outbox.schema().create();
    }

    @AfterAll
    void dropDatabase() {
        if (db != null) {
            db.close();
        }
    }
}
