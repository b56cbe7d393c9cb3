package dev.outbox.spring;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/** The application of the starter's tests: orders written with their event, and an idempotent invoice handler. */
@SpringBootConfiguration
@EnableAutoConfiguration
class OrdersApp {
    /** The order event's payload. */
    record OrderPlaced(String orderId, int total) {
    }

    /** Writes an order and its event in one transaction. */
    static class Orders {
        private final JdbcTemplate jdbc;
        private final Outbox outbox;
        private final String destination;

        Orders(JdbcTemplate jdbc, Outbox outbox, String destination) {
            this.jdbc = jdbc;
            this.outbox = outbox;
            this.destination = destination;
        }

        @Transactional
        public String place(int total, boolean fail) {
            return place(UUID.randomUUID().toString(), total, fail);
        }

        @Transactional
        public String place(String id, int total, boolean fail) {
            jdbc.update("INSERT INTO orders (id, total) VALUES (?, ?)", id, total);
            outbox.write(OutboxMessage.builder().destination(destination).key(id).type("OrderPlaced")
                    .payload(new OrderPlaced(id, total)).build());
            if (fail) {
                throw new IllegalStateException("the order is refused after its event was written");
            }
            return id;
        }
    }

    @Bean
    Orders orders(JdbcTemplate jdbc, Outbox outbox, org.springframework.core.env.Environment env) {
        return new Orders(jdbc, outbox, env.getProperty("test.destination", "orders"));
    }

    /** Fails the first attempt of every message, to show that a retried attempt leaves one row. */
    @Bean
    AtomicInteger invoiceAttempts() {
        return new AtomicInteger();
    }

    @Bean
    IdempotentConsumer invoices(OutboxConsumers consumers, JdbcTemplate jdbc, AtomicInteger invoiceAttempts) {
        return consumers.idempotent("invoices")
                .handler(OrderPlaced.class, (order, message, handle) -> {
                    jdbc.update("INSERT INTO invoices (message_id, order_id) VALUES (?, ?)", message.id(),
                            order.orderId());
                    if (invoiceAttempts.incrementAndGet() % 2 == 1) {
                        throw new IllegalStateException("first attempt fails after its write");
                    }
                })
                .build();
    }
}
