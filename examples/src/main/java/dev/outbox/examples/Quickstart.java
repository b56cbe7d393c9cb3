package dev.outbox.examples;

import dev.outbox.Outbox;
import dev.outbox.inmemory.InMemoryPublisher;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The quick start: an in-memory H2 database, no servers. Places an order and writes its event in one transaction,
 * shows that a rolled-back order leaves no event behind, then lets a relay publish the committed event (to an
 * in-memory publisher standing in for Kafka, RabbitMQ or SQS).
 */
public final class Quickstart {
    private Quickstart() {
    }

    public static void main(String[] args) throws SQLException, InterruptedException {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:quickstart;DB_CLOSE_DELAY=-1");

        Outbox outbox = Outbox.builder().dataSource(dataSource).build();
        outbox.schema().create();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, total INT NOT NULL)");
        }

        UUID id = placeOrder(dataSource, outbox, "order-1", 1999, true);
        System.out.println("Committed order-1 with its event " + id);
        placeOrder(dataSource, outbox, "order-2", 500, false);
        System.out.println("Rolled back order-2: its event was never stored");

        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, destination, message_key, message_type, payload FROM "
                     + outbox.tables().message() + " ORDER BY seq")) {
            System.out.println("Outbox now holds:");
            while (rs.next()) {
                System.out.printf("  %s -> %s key=%s type=%s payload=%s%n", rs.getObject(1), rs.getString(2),
                        rs.getString(3), rs.getString(4), new String(rs.getBytes(5), StandardCharsets.UTF_8));
            }
        }

        InMemoryPublisher publisher = new InMemoryPublisher();
        CountDownLatch published = new CountDownLatch(1);
        OutboxListener onPublish = new OutboxListener() {
            @Override
            public void published(OutboundMessage message, Duration latency) {
                published.countDown();
            }
        };
        try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).listener(onPublish).build()) {
            relay.start();
            published.await(30, TimeUnit.SECONDS);
        }
        for (OutboundMessage m : publisher.published()) {
            System.out.printf("Relay published %s to %s (type %s, key %s)%n", m.id(), m.destination(), m.type(),
                    m.key());
        }
        System.out.println("Outbox pending after the relay: " + outbox.admin().stats().pending());
    }

    private static UUID placeOrder(JdbcDataSource dataSource, Outbox outbox, String orderId, int total,
                                   boolean commit) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, total) VALUES (?, ?)")) {
                ps.setString(1, orderId);
                ps.setInt(2, total);
                ps.executeUpdate();
            }
            UUID id = outbox.write(c, OutboxMessage.builder()
                    .destination("orders")
                    .key(orderId)
                    .type("OrderPlaced")
                    .payload(Map.of("orderId", orderId, "total", total))
                    .build());
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
            return id;
        }
    }
}
