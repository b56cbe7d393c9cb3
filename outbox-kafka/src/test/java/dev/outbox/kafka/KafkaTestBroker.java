package dev.outbox.kafka;

import dev.outbox.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain-client operations on the test broker: create topics, send records, read a topic from the beginning. */
final class KafkaTestBroker {

    private KafkaTestBroker() {
    }

    static String bootstrap() {
        return TestServers.kafka();
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions, and waits until the broker serves every partition:
     * an idempotent producer that sends before the broker has applied the creation can have its first request
     * rejected and overtaken, and that request's records then expire (KAFKA-15591).
     */
    static void createTopic(String bootstrap, String topic, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!served(admin, topic, partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no leader for every partition");
                }
                sleep(50);
            }
        } catch (ExecutionException | InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + topic, e);
        }
    }

    private static boolean served(Admin admin, String topic, int partitions)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        TopicDescription description;
        try {
            description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // the creation has not reached the broker's metadata yet
            }
            throw e;
        }
        if (description.partitions().size() != partitions
                || !description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
            return false;
        }
        // A leader in the metadata can precede a log that answers: a first produce to it was seen to expire. Listing
        // every partition's end offset succeeds only once each leader serves its log.
        Map<TopicPartition, OffsetSpec> ends = description.partitions().stream().collect(Collectors.toMap(
                p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
        try {
            admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }

    static void createTopic(String topic, int partitions) {
        createTopic(bootstrap(), topic, partitions);
    }

    static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Every record now in {@code topic}, partition by partition, each in offset order. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).sorted((a, b) -> a.partition() - b.partition())
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records.stream().sorted((a, b) -> a.partition() != b.partition()
                    ? a.partition() - b.partition() : Long.compare(a.offset(), b.offset()))
                    .collect(Collectors.toList());
        }
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return readAll(bootstrap(), topic);
    }

    /** Reads {@code topic} until it holds at least {@code count} records or {@code timeout} passes. */
    static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = readAll(bootstrap, topic);
        while (records.size() < count && System.nanoTime() < deadline) {
            sleep(200);
            records = readAll(bootstrap, topic);
        }
        return records;
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
