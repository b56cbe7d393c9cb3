/**
 * Amazon SQS: {@link dev.outbox.sqs.SqsPublisher} for relays and {@link dev.outbox.sqs.SqsConsumerBinding} for
 * idempotent consumers, on the AWS SDK v2 {@code SqsAsyncClient}. API (the package-private classes are not).
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.sqs;

import org.jspecify.annotations.NullMarked;
