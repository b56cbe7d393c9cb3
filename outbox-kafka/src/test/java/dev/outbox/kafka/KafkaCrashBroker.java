package dev.outbox.kafka;

import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.testing.CrashTestBroker;
import dev.outbox.testing.TestServers;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Kafka for the crash tests: a topic of 4 partitions and its DLT; the publisher's waits fit the children's 3 s
 * publish timeout, and a killed consumer's partitions move on after a 6 s session timeout.
 */
public final class KafkaCrashBroker implements CrashTestBroker {

    @Override
    public String endpoint() {
        return KafkaTestBroker.bootstrap();
    }

    @Override
    public String createDestination(String base) {
        String topic = TestServers.uniqueName(base);
        KafkaTestBroker.createTopic(topic, 4);
        KafkaTestBroker.createTopic(topic + KafkaConsumerBinding.DEAD_LETTER_SUFFIX, 1);
        return topic;
    }

    @Override
    public MessagePublisher publisher(String endpoint) {
        return KafkaPublisher.builder(endpoint)
                .property(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000)
                .property(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000)
                .property(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2_500)
                .build();
    }

    @Override
    public AutoCloseable bind(String endpoint, String destination, MessageProcessor processor) {
        KafkaConsumerBinding binding = KafkaConsumerBinding.builder(endpoint, "crash-" + destination, processor)
                .topics(destination)
                .property(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000)
                .property(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000)
                .retryDelay(Duration.ofMillis(100))
                .build();
        binding.start();
        return binding;
    }
}
