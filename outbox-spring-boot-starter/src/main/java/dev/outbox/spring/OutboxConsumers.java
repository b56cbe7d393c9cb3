package dev.outbox.spring;

import dev.outbox.IdempotentConsumer;
import dev.outbox.spi.PayloadCodec;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.spi.TraceContextPropagator;
import javax.sql.DataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.jspecify.annotations.Nullable;

/**
 * Makes idempotent consumers that run in Spring transactions and take their settings from {@code outbox.consumer.*}
 * and the outbox's tables and codec:
 *
 * <pre>{@code
 * <p>Thread-safe (immutable); each builder it returns is for one thread, and the consumer built is thread-safe.
 *
 * @Bean
 * IdempotentConsumer invoices(OutboxConsumers consumers, JdbcTemplate jdbc) {
 *     return consumers.idempotent("invoices")
 *             .handler(OrderPlaced.class, (order, message, handle) ->
 *                     jdbc.update("INSERT INTO invoices (order_id) VALUES (?)", order.id()))
 *             .build();
 * }
 * }</pre>
 *
 * Each attempt runs in a new transaction ({@code REQUIRES_NEW}): the deduplication record and the handler's writes,
 * through {@code JdbcTemplate}, JPA or the given Jdbi handle, commit together or not at all.
 */
public final class OutboxConsumers {
    private final DataSource dataSource;
    private final SpringConsumerTransactions transactions;
    private final OutboxProperties properties;
    private final PayloadCodec codec;
    private final @Nullable TraceContextPropagator tracing;

    OutboxConsumers(DataSource dataSource, PlatformTransactionManager transactionManager, OutboxProperties properties,
                    PayloadCodec codec, @Nullable TraceContextPropagator tracing) {
        this.tracing = tracing;
        this.dataSource = dataSource;
        this.transactions = new SpringConsumerTransactions(transactionManager, dataSource);
        this.properties = properties;
        this.codec = codec;
    }

    /** A builder for the consumer {@code name}, configured; add the handler and build. */
    public IdempotentConsumer.Builder idempotent(String name) {
        OutboxProperties.Consumer consumer = properties.getConsumer();
        IdempotentConsumer.Builder builder = IdempotentConsumer.builder(name);
        if (tracing != null) {
            builder.tracePropagator(tracing);
        }
        return PropertyErrors.named(properties, "consumer", () -> builder
                .jdbi(SpringConsumerTransactions.jdbi(dataSource))
                .transactions(transactions)
                .tables(properties.tables())
                .codec(codec)
                .retryPolicy(RetryPolicy.exponential(consumer.getRetry().getInitial(), consumer.getRetry().getMax()))
                .deadLetterPolicy(consumer.getDeadLetter().policy())
                .deadLetterToDatabase(consumer.isDeadLetterToDatabase()));
    }
}
