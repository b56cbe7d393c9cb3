/**
 * RabbitMQ: {@link dev.outbox.rabbitmq.RabbitPublisher} for relays, {@link dev.outbox.rabbitmq.RabbitConsumerBinding}
 * for idempotent consumers and {@link dev.outbox.rabbitmq.RabbitTopology} for the queue layout, on the official
 * {@code amqp-client}. API (the package-private classes are not).
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.rabbitmq;

import org.jspecify.annotations.NullMarked;
