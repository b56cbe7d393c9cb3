package dev.outbox.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.testing.ChildJvm;
import dev.outbox.testing.DatabaseContract;
import dev.outbox.testing.EmbeddedKafka;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * Failures that need a broker of the test's own (started in a child JVM from the Kafka artifacts whatever broker
 * the other suites use): one that is not there yet when the relay starts, and one that does not create topics.
 */
class KafkaBrokerOutageTest extends DatabaseContract {
    private static final Map<String, String> NO_AUTO_CREATE = Map.of("auto.create.topics.enable", "false");

    @Override
    protected JdbcServer server() {
        return TestServers.h2();
    }

    @Test
    void relayRetriesUntilALateBrokerIsUpAndLosesNothing() throws Exception {
        int port = ChildJvm.freePort();
        String bootstrap = "127.0.0.1:" + port;
        String topic = "late-" + UUID.randomUUID();
        Set<String> written = new HashSet<>();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> messages = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                messages.add(OutboxMessage.builder().destination(topic).key("k" + (i % 7)).type("T")
                        .rawPayload(new byte[200]).build());
            }
            outbox.writeAll(c, messages).forEach(id -> written.add(id.toString()));
            c.commit();
        }
        try (KafkaPublisher publisher = KafkaPublisher.builder(bootstrap)
                .property(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000)
                .property(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500).build();
             OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).batchSize(100)
                     .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(300))).build()) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> count("last_error IS NOT NULL") == 300);
            assertThat(outbox.admin().stats().pending()).isEqualTo(300);
            assertThat(count("attempts > 0")).as("an outage uses up no attempts").isZero();

            try (EmbeddedKafka late = EmbeddedKafka.start(port, NO_AUTO_CREATE)) {
                KafkaTestBroker.createTopic(bootstrap, topic, 2);
                await().atMost(Duration.ofSeconds(120)).until(() -> outbox.admin().stats().pending() == 0);
                Set<String> received = new HashSet<>();
                KafkaTestBroker.read(bootstrap, topic, 300, Duration.ofSeconds(30)).forEach(r -> received.add(
                        new String(r.headers().lastHeader(Envelope.MESSAGE_ID).value(), StandardCharsets.UTF_8)));
                assertThat(received).isEqualTo(written);
            }
        }
        assertThat(outbox.admin().countDeadLetters(dev.outbox.DeadLetterFilter.all())).isZero();
    }

    @Test
    void topicTheBrokerDoesNotHaveAndWillNotCreateIsRejectedNamingIt() throws Exception {
        String topic = "missing-" + UUID.randomUUID();
        Instant now = Instant.now();
        OutboundMessage first = new OutboundMessage(UUID.randomUUID(), topic, null, "k", 0, "T", null, new byte[] {1},
                Map.of(), null, null, null, null, now, now, 0);
        OutboundMessage second = new OutboundMessage(UUID.randomUUID(), topic, null, "k", 0, "T", null,
                new byte[] {2}, Map.of(), null, null, null, null, now, now, 0);
        try (EmbeddedKafka broker = EmbeddedKafka.start(ChildJvm.freePort(), NO_AUTO_CREATE);
             KafkaPublisher publisher = KafkaPublisher.builder(broker.bootstrapServers())
                     .property(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000).build()) {
            long start = System.nanoTime();
            List<PublishResult> results = publisher.publish(List.of(first, second)).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            assertThat(results).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOfSatisfying(
                    PublishResult.Rejected.class, rejected -> assertThat(rejected.reason())
                            .contains(topic).contains("does not exist")));
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("the second record of the topic does not wait for metadata again")
                    .isLessThan(Duration.ofSeconds(15));
        }
    }

    private int count(String condition) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM outbox_message WHERE " + condition)
                .mapTo(Integer.class).one());
    }
}
