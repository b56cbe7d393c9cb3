package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.DeadLetterPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class OutboxPropertiesTest {

    private static OutboxProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("outbox", OutboxProperties.class);
    }

    @Test
    void defaultsAreTheLibrarysOwn() {
        OutboxProperties p = bind(Map.of());
        assertThat(p.getRelay().getBatchSize()).isEqualTo(OutboxRelay.DEFAULT_BATCH_SIZE);
        assertThat(p.getRelay().getDeadLetter().getMaxAttempts()).isEqualTo(DeadLetterPolicy.DEFAULT_MAX_ATTEMPTS);
        assertThat(p.getConsumer().getDeadLetter().getMaxAttempts()).isEqualTo(3);
        assertThat(p.getRelay().getRetry().getInitial()).isEqualTo(Duration.ofMillis(500));
        assertThat(p.tables().message()).isEqualTo("outbox_message");
        assertThat(p.getNotifyInterval()).isEqualTo(Outbox.DEFAULT_NOTIFY_INTERVAL);
    }

    @Test
    void everyNestedPropertyBinds() {
        OutboxProperties p = bind(Map.of(
                "outbox.table-prefix", "shop_",
                "outbox.notify-interval", "0",
                "outbox.relay.ordering", "by-key",
                "outbox.relay.retry.initial", "2s",
                "outbox.relay.dead-letter.max-attempts", "4",
                "outbox.relay.dead-letter.key-after-dead-letter", "block",
                "outbox.relay.dead-letter.broker-destination", "{destination}.dlq",
                "outbox.consumer.dead-letter-to-database", "true",
                "outbox.schema.mode", "liquibase"));
        assertThat(p.tables().message()).isEqualTo("shop_message");
        assertThat(p.getRelay().getOrdering()).isEqualTo(Ordering.BY_KEY);
        assertThat(p.getRelay().getRetry().getInitial()).isEqualTo(Duration.ofSeconds(2));
        DeadLetterPolicy policy = p.getRelay().getDeadLetter().policy();
        assertThat(policy.maxAttempts()).isEqualTo(4);
        assertThat(policy.keyAfterDeadLetter()).isEqualTo(DeadLetterPolicy.KeyAfterDeadLetter.BLOCK);
        assertThat(policy.brokerDestination("orders")).isEqualTo("orders.dlq");
        assertThat(p.getConsumer().isDeadLetterToDatabase()).isTrue();
        assertThat(p.getSchema().getMode()).isEqualTo(OutboxProperties.SchemaMode.LIQUIBASE);
        assertThat(p.getNotifyInterval()).isZero();
    }

    @Test
    void errorsOfTheBuildersNameTheirProperty() {
        assertThat(PropertyErrors.property("", "Outbox.builder().notifyInterval(PT5S) must be between"))
                .isEqualTo("notify-interval");
        assertThat(PropertyErrors.property("relay", "OutboxRelay.builder().maxInFlightBatches(0) must be"))
                .isEqualTo("relay.max-in-flight-batches");
        assertThat(PropertyErrors.property("relay", "OutboxRelay.builder().relayId must be 1 to 64"))
                .isEqualTo("relay.id");
        assertThat(PropertyErrors.property("relay", "TableNames.prefix '1x' is not a plain SQL identifier"))
                .isEqualTo("table-prefix");
        assertThat(PropertyErrors.property("consumer", "RetryPolicy.exponential(PT1S, PT0.1S): max"))
                .isEqualTo("consumer.retry");
        assertThat(PropertyErrors.property("consumer", "DeadLetterPolicy.afterAttempts(0) must be"))
                .isEqualTo("consumer.dead-letter.max-attempts");
        assertThat(PropertyErrors.property("consumer", "IdempotentConsumer.builder(name): the name is not usable"))
                .isNull();
    }
}
