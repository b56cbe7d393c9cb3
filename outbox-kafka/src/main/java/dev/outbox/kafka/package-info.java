/**
 * Kafka: {@link dev.outbox.kafka.KafkaPublisher} for relays and {@link dev.outbox.kafka.KafkaConsumerBinding} for
 * idempotent consumers, on the official {@code kafka-clients}. API (the package-private classes are not).
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.kafka;

import org.jspecify.annotations.NullMarked;
