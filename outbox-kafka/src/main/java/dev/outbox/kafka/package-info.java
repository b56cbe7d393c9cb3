/**
 * Kafka: {@link dev.outbox.kafka.KafkaPublisher} for relays and {@link dev.outbox.kafka.KafkaConsumerBinding} for
 * idempotent consumers, on the official {@code kafka-clients}. API (the package-private classes are not).
 */
package dev.outbox.kafka;
