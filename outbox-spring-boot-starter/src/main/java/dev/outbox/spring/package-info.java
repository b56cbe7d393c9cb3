/**
 * The Spring Boot starter: {@link dev.outbox.spring.OutboxAutoConfiguration} and the beans it declares, the
 * {@code outbox.*} properties, the actuator health indicator and endpoint, and the helpers applications call
 * ({@link dev.outbox.spring.OutboxConsumers}, {@link dev.outbox.spring.IdempotentListener}). API: compatible changes
 * only within a major version; the package-private classes are not API.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.spring;

import org.jspecify.annotations.NullMarked;
