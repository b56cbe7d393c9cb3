package dev.outbox.testing;

import static org.awaitility.Awaitility.await;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An outbox and an idempotent consumer counting what it handles, on one in-memory database: the two ends of an
 * example that sends an event through a real broker (the README's per-broker code).
 */
public final class EndToEnd implements AutoCloseable {
    private final TestDatabase db;
    private final Outbox outbox;
    private final IdempotentConsumer consumer;
    private final AtomicInteger handled = new AtomicInteger();

    public EndToEnd(String name) {
        db = TestServers.h2().createDatabase(name);
        outbox = Outbox.builder().dataSource(db.dataSource()).build();
        outbox.schema().create();
        consumer = IdempotentConsumer.builder("billing").jdbi(db.jdbi())
                .handler((message, handle) -> handled.incrementAndGet()).build();
    }

    public Outbox outbox() {
        return outbox;
    }

    public IdempotentConsumer consumer() {
        return consumer;
    }

    /** Commits one {@code OrderPlaced} event with key {@code o-1} to {@code destination}, alone in its transaction. */
    public void commitOrderPlaced(String destination) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            outbox.write(c, OutboxMessage.builder().destination(destination).key("o-1").type("OrderPlaced")
                    .payload(Map.of("orderId", "o-1")).build());
            c.commit();
        }
    }

    /** Waits until the consumer has handled {@code count} messages; fails after 60 s. */
    public void awaitHandled(int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> handled.get() >= count);
    }

    /** Messages the consumer handled so far. */
    public int handled() {
        return handled.get();
    }

    @Override
    public void close() {
        db.close();
    }
}
