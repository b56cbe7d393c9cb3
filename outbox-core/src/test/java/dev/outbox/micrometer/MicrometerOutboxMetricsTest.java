package dev.outbox.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.IdempotentConsumer;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.testing.ScriptedPublisher;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MicrometerOutboxMetricsTest {

    @Test
    void relayEventsAndOutboxStateBecomeMeters() throws Exception {
        try (TestDatabase db = TestServers.h2().createDatabase("metrics")) {
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            MicrometerOutboxMetrics metrics = new MicrometerOutboxMetrics(outbox, registry);
            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                for (int i = 0; i < 3; i++) {
                    outbox.write(c, OutboxMessage.builder().destination(i == 2 ? "audit" : "orders")
                            .type(i == 1 ? "Flaky" : "Ok").rawPayload(new byte[] {1}).build());
                }
                c.commit();
            }
            assertThat(registry.get("outbox.pending").gauge().value()).isEqualTo(3.0);
            metrics.refresh();
            assertThat(registry.get("outbox.destination.pending").tag("destination", "orders").gauge().value())
                    .isEqualTo(2.0);
            assertThat(registry.get("outbox.destination.oldest.age.seconds").tag("destination", "audit").gauge()
                    .value()).isNotNaN().isGreaterThanOrEqualTo(0.0);

            ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> "Flaky".equals(m.type()) && n == 1
                    ? PublishResult.failed(m.id(), new IllegalStateException("blip"))
                    : PublishResult.acked(m.id()), Duration.ZERO);
            try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).listener(metrics)
                    .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(10))).build()) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> publisher.acked().size() == 3);
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        registry.get("outbox.published").tag("destination", "orders").counter().count() == 2.0);
            }
            assertThat(registry.get("outbox.published").tag("destination", "audit").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("outbox.retried").tag("destination", "orders").tag("reason", "failure").counter()
                    .count()).isEqualTo(1.0);
            metrics.refresh();
            assertThat(registry.find("outbox.destination.pending").gauges()).isEmpty();
            assertThat(registry.get("outbox.publish.latency").timer().count()).isEqualTo(3);
            assertThat(registry.get("outbox.batch").tag("phase", "claim").timer().count()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void consumerOutcomesBecomeMeters() throws Exception {
        try (TestDatabase db = TestServers.h2().createDatabase("consumer_metrics")) {
            Outbox.builder().dataSource(db.dataSource()).build().schema().create();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            IdempotentConsumer consumer = IdempotentConsumer.builder("billing").dataSource(db.dataSource())
                    .handler((m, h) -> {
                        if ("bad".equals(m.id())) {
                            throw new IllegalStateException("boom");
                        }
                    })
                    .retryPolicy(RetryPolicy.fixed(Duration.ZERO))
                    .listener(new MicrometerConsumerMetrics(registry)).build();
            InboundMessage ok = Envelope.inbound("orders", new byte[0], Map.of(Envelope.MESSAGE_ID, "ok"), 1);
            InboundMessage bad = Envelope.inbound("orders", new byte[0], Map.of(Envelope.MESSAGE_ID, "bad"), 1);
            consumer.process(ok);
            consumer.process(ok);
            consumer.process(bad);

            assertThat(count(registry, "outbox.consumer.processed")).isEqualTo(1.0);
            assertThat(count(registry, "outbox.consumer.duplicates")).isEqualTo(1.0);
            assertThat(count(registry, "outbox.consumer.retries")).isEqualTo(2.0);
            assertThat(count(registry, "outbox.consumer.dead.lettered")).isEqualTo(1.0);
            assertThat(registry.get("outbox.consumer.handler").tag("consumer", "billing").timer().count())
                    .isEqualTo(1);
        }
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("consumer", "billing").tag("destination", "orders").counter().count();
    }
}
