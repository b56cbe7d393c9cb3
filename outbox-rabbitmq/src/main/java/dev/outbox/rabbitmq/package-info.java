/**
 * RabbitMQ: {@link dev.outbox.rabbitmq.RabbitPublisher} for relays, {@link dev.outbox.rabbitmq.RabbitConsumerBinding}
 * for idempotent consumers and {@link dev.outbox.rabbitmq.RabbitTopology} for the queue layout, on the official
 * {@code amqp-client}. API (the package-private classes are not).
 */
package dev.outbox.rabbitmq;
