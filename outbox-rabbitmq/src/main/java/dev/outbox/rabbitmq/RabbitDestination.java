package dev.outbox.rabbitmq;

import java.util.Objects;

/**
 * Where a message goes on RabbitMQ: an exchange and a routing key. The default exchange ({@code ""}) routes by
 * queue name.
 *
 * <p>Immutable and thread-safe.
 *
 * @param exchange exchange name, {@code ""} for the default exchange
 * @param routingKey routing key (the queue name on the default exchange)
 */
public record RabbitDestination(String exchange, String routingKey) {
    public RabbitDestination {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
    }
}
