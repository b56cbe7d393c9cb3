package dev.outbox.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.testing.EndToEnd;
import dev.outbox.testing.TestServers;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/** The README's Kafka code, run against the real broker: an event goes from the outbox to a consumer. */
class KafkaReadmeExampleTest {

    @Test
    void eventTravelsFromTheOutboxThroughKafkaToTheConsumer() throws Exception {
        String bootstrapServers = KafkaTestBroker.bootstrap();
        String orders = TestServers.uniqueName("orders");
        KafkaTestBroker.createTopic(orders, 2);
        try (EndToEnd ends = new EndToEnd("kafka_readme")) {
            Outbox outbox = ends.outbox();
            IdempotentConsumer consumer = ends.consumer();

            // README: "Kafka" (the topic and group names are unique here so that reruns do not share them)
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

            ends.commitOrderPlaced(orders);
            ends.awaitHandled(1);
            binding.close();
            relay.close();
            publisher.close();
            assertThat(ends.handled()).isEqualTo(1);
        }
    }
}
