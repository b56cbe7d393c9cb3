package dev.outbox.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.DeadLetterFilter;
import dev.outbox.IdempotentConsumer;
import dev.outbox.micrometer.MicrometerConsumerMetrics;
import dev.outbox.inmemory.InMemoryPublisher;
import dev.outbox.micrometer.MicrometerOutboxMetrics;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxAdmin;
import dev.outbox.OutboxRelay;
import dev.outbox.OutboxStats;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessagePublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import dev.outbox.OutboxMessage;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's code, compiled and run here so that it never rots. Keep the two in step. */
class ReadmeExamplesTest {
    private static TestDatabase db;

    @BeforeAll
    static void database() throws SQLException {
        db = TestServers.h2().createDatabase("readme");
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, total INT NOT NULL)");
        }
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    /** The README's event type. */
    record OrderPlaced(String orderId, int total) {
    }

    @Test
    void writtenEventsArePublishedByTheRelayAndAdministered() throws SQLException {
        DataSource dataSource = db.dataSource();
        Jdbi jdbi = Jdbi.create(dataSource);

        // README: "Write an event in your transaction"
        Outbox outbox = Outbox.builder().dataSource(dataSource).build();
        outbox.schema().create();     // or apply dev/outbox/jdbc/<dialect>/V1__outbox.sql with your migrations

        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, total) VALUES (?, ?)")) {
                ps.setString(1, "order-42");
                ps.setInt(2, 1999);
                ps.executeUpdate();
            }
            outbox.write(c, OutboxMessage.builder()
                    .destination("orders").key("order-42").type("OrderPlaced")
                    .payload(Map.of("orderId", "order-42", "total", 1999))
                    .build());
            c.commit();
        }

        jdbi.useTransaction(handle -> {
            handle.execute("INSERT INTO orders (id, total) VALUES (?, ?)", "order-43", 2500);
            outbox.write(handle, OutboxMessage.builder()
                    .destination("orders").key("order-43").type("OrderPlaced")
                    .payload(Map.of("orderId", "order-43", "total", 2500))
                    .build());
        });
        // end of README code

        // README: "Publish with the relay"
        MessagePublisher publisher = new InMemoryPublisher();
        MeterRegistry meterRegistry = new SimpleMeterRegistry();
        OutboxRelay relay = OutboxRelay.builder(outbox)
                .publisher(publisher)                 // KafkaPublisher, RabbitPublisher, SqsPublisher or your own
                .ordering(Ordering.BY_KEY)            // or NONE (default): competing relays, highest throughput
                .listener(new MicrometerOutboxMetrics(outbox, meterRegistry))
                .build();
        relay.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> ((InMemoryPublisher) publisher).published().size() == 2);
        relay.close();                            // stops claiming, drains in-flight batches, releases leases

        // README: "Operations"
        OutboxAdmin admin = outbox.admin();
        OutboxStats stats = admin.stats();            // pending, oldest pending age, in flight, dead letters, last publish
        admin.deadLetters(DeadLetterFilter.all().withDestination("orders"), 100);
        UUID messageId = UUID.randomUUID();
        admin.replay(messageId);                      // back into the outbox with its original id and position
        admin.replay(DeadLetterFilter.all().withType("OrderPlaced"));
        admin.purge(DeadLetterFilter.all().withFailedBefore(Instant.now().minus(Duration.ofDays(30))));

        // README: "Consume exactly once in effect"
        jdbi.useHandle(h -> h.execute("CREATE TABLE invoices (order_id VARCHAR(64) PRIMARY KEY, total INT)"));
        IdempotentConsumer consumer = IdempotentConsumer.builder("billing")      // the name scopes deduplication
                .jdbi(jdbi)
                .handler(OrderPlaced.class, (order, message, handle) ->
                        handle.execute("INSERT INTO invoices (order_id, total) VALUES (?, ?)", order.orderId(), order.total()))
                .listener(new MicrometerConsumerMetrics(meterRegistry))
                .build();
        InboundMessage message = Envelope.inbound("orders", "{\"orderId\":\"order-42\",\"total\":1999}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of(Envelope.MESSAGE_ID, "m-42"), 1);

        ConsumeOutcome outcome = consumer.process(message);   // what a broker binding calls for each delivery

        assertThat(outcome).isInstanceOf(ConsumeOutcome.Processed.class);
        assertThat(consumer.process(message)).isInstanceOf(ConsumeOutcome.Duplicate.class);
        assertThat(stats.pending()).isZero();
        assertThat(stats.lastPublishedAt()).isNotNull();
        assertThat(meterRegistry.get("outbox.published").counter().count()).isEqualTo(2.0);
        int events = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM outbox_message").mapTo(Integer.class)
                .one());
        assertThat(events).isZero();
        assertThat(((InMemoryPublisher) publisher).published()).extracting(m -> m.key())
                .containsExactlyInAnyOrder("order-42", "order-43");
    }
}
