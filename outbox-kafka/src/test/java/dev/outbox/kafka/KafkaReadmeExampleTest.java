package dev.outbox.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/** The README's Kafka code, run against the real broker: an event goes from the outbox to a consumer. */
class KafkaReadmeExampleTest {

    @Test
    void eventTravelsFromTheOutboxThroughKafkaToTheConsumer() throws Exception {
        String bootstrapServers = KafkaTestBroker.bootstrap();
        String orders = TestServers.uniqueName("orders");
        KafkaTestBroker.createTopic(orders, 2);
        try (TestDatabase db = TestServers.h2().createDatabase("kafka_readme")) {
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            AtomicInteger handled = new AtomicInteger();
            IdempotentConsumer consumer = IdempotentConsumer.builder("billing").jdbi(db.jdbi())
                    .handler((message, handle) -> handled.incrementAndGet()).build();

            // README: "Kafka" (the topic name is unique here so that reruns do not share it)
            KafkaPublisher publisher = KafkaPublisher.builder(bootstrapServers)     // e.g. "localhost:9092"
                    .property(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
                    .build();
            OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).ordering(Ordering.BY_KEY).build();
            relay.start();

            KafkaConsumerBinding binding = KafkaConsumerBinding.builder(bootstrapServers,
                            TestServers.uniqueName("billing"), consumer)
                    .topics(orders)
                    .consumers(2)
                    .build();
            binding.start();
            // end of README code

            try (java.sql.Connection c = db.connection()) {
                c.setAutoCommit(false);
                outbox.write(c, OutboxMessage.builder().destination(orders).key("o-1").type("OrderPlaced")
                        .payload(Map.of("orderId", "o-1")).build());
                c.commit();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.get() == 1);
            binding.close();
            relay.close();
            publisher.close();
            assertThat(handled).hasValue(1);
        }
    }
}
