package dev.outbox.examples.orders;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.outbox.IdempotentConsumer;
import dev.outbox.rabbitmq.RabbitConsumerBinding;
import dev.outbox.rabbitmq.RabbitTopology;
import dev.outbox.spring.OutboxConsumers;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An order service: {@link OrderService} writes each order and its {@code OrderPlaced} event in one transaction,
 * the outbox relay publishes the events to RabbitMQ, and the invoicing consumer turns each into exactly one invoice,
 * through {@code JdbcTemplate}, whatever the redeliveries. Everything outbox is the starter's; this class only
 * declares the consumer and its queue.
 */
@SpringBootApplication
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }

    /** Invoices each order once: the invoice and the deduplication record commit together. */
    @Bean
    IdempotentConsumer invoicing(OutboxConsumers consumers, JdbcTemplate jdbc) {
        return consumers.idempotent("invoicing")
                .handler(OrderPlaced.class, (order, message, handle) -> jdbc.update(
                        "INSERT INTO invoices (order_id, customer, amount) VALUES (?, ?, ?)",
                        order.orderId(), order.customer(), order.total()))
                .build();
    }

    /** Consumes the order events; started and stopped with the application by the starter. */
    @Bean
    RabbitConsumerBinding invoicingBinding(CachingConnectionFactory rabbit, IdempotentConsumer invoicing,
                                           @Value("${orders.queue}") String queue) throws Exception {
        Connection connection = rabbit.getRabbitConnectionFactory().newConnection("invoicing");
        try (Channel channel = connection.createChannel()) {
            RabbitTopology.declare(channel, queue, RabbitTopology.QueueType.QUORUM);
        }
        return RabbitConsumerBinding.builder(connection, queue, invoicing).build();
    }
}
