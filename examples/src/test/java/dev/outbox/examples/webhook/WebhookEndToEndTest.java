package dev.outbox.examples.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Outbox → relay → webhook → receiver → idempotent consumer, on H2 and the JDK's HTTP server: each event has one
 * effect although the sender sends it twice, and a message the consumer dead-letters is dead-lettered by the
 * sender too.
 */
class WebhookEndToEndTest {

    @Test
    void eachEventHasOneEffectAndPoisonIsDeadLetteredOnBothSides() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:webhook;DB_CLOSE_DELAY=-1");
        Outbox outbox = Outbox.builder().dataSource(ds).build();
        outbox.schema().create();
        Jdbi jdbi = Jdbi.create(ds);
        jdbi.useHandle(h -> h.execute("CREATE TABLE shipments (order_id VARCHAR(64) PRIMARY KEY)"));
        IdempotentConsumer shipping = IdempotentConsumer.builder("shipping").jdbi(jdbi)
                .handler(Map.class, (order, message, handle) -> handle.execute(
                        "INSERT INTO shipments (order_id) VALUES (?)", order.get("orderId")))
                .deadLetterToDatabase(true)
                .build();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/orders", new WebhookReceiver(WebhookPublisherTest.SECRET, shipping, 1 << 20,
                Duration.ofMinutes(5), Clock.systemUTC()));
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try (WebhookPublisher publisher = WebhookPublisher.builder(WebhookPublisherTest.SECRET,
                m -> URI.create(base + "/" + m.destination())).build();
             OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build()) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                outbox.write(c, OutboxMessage.builder().destination("orders").key("o-1").type("OrderPlaced")
                        .payload(Map.of("orderId", "o-1")).build());
                outbox.write(c, OutboxMessage.builder().destination("orders").key("o-2").type("OrderPlaced")
                        .rawPayload("not json".getBytes(StandardCharsets.UTF_8), "application/json").build());
                c.commit();
            }
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> outbox.admin().stats().pending() == 0);

            assertThat(outbox.admin().deadLetters(DeadLetterFilter.all().withOrigin(DeadLetter.RELAY_ORIGIN), 10))
                    .as("the sender's dead letter").singleElement()
                    .satisfies(d -> assertThat(d.lastError()).contains("HTTP 422"));

            // The sender sends the shipped event again (a crash between ack and delete): acked, no second effect.
            UUID shipped = UUID.fromString(jdbi.withHandle(h -> h.createQuery("SELECT message_id FROM "
                    + outbox.tables().inbox() + " WHERE consumer_name = 'shipping'").mapTo(String.class).one()));
            Instant now = Instant.now();
            List<PublishResult> resent = publisher.publish(List.of(new OutboundMessage(shipped, "orders", null, "o-1",
                    0, "OrderPlaced", "application/json", "{\"orderId\":\"o-1\"}".getBytes(StandardCharsets.UTF_8),
                    Map.of(), null, null, null, null, now, now, 0))).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(resent).singleElement().isInstanceOf(PublishResult.Acked.class);
        } finally {
            server.stop(0);
        }
        int shipments = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM shipments").mapTo(Integer.class)
                .one());
        assertThat(shipments).isEqualTo(1);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all().withOrigin("shipping")))
                .as("the consumer's own dead letter").isEqualTo(1);
    }
}
