package dev.outbox.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.IdempotentConsumer;
import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.testing.ConsumerBindingContract;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KafkaConsumerBindingTest extends ConsumerBindingContract {
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    void openProducer() {
        producer = KafkaTestBroker.producer();
    }

    @AfterAll
    void closeProducer() {
        producer.close();
    }

    @Override
    protected String createDestination(String base) {
        String topic = TestServers.uniqueName(base);
        KafkaTestBroker.createTopic(topic, 2);
        KafkaTestBroker.createTopic(topic + KafkaConsumerBinding.DEAD_LETTER_SUFFIX, 1);
        return topic;
    }

    @Override
    protected void send(String destination, byte[] payload, Map<String, String> headers) {
        send(destination, null, payload, headers);
    }

    private void send(String topic, String key, byte[] payload, Map<String, String> headers) {
        try {
            producer.send(new ProducerRecord<>(topic, null, null,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), payload,
                    KafkaEnvelope.headers(headers))).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    @Override
    protected AutoCloseable bind(String destination, MessageProcessor processor) {
        return bind(destination, TestServers.uniqueName("group"), processor);
    }

    @Override
    protected AutoCloseable bindWithUnusableDeadLetterDestination(String destination, MessageProcessor processor) {
        KafkaConsumerBinding binding = KafkaConsumerBinding.builder(KafkaTestBroker.bootstrap(),
                TestServers.uniqueName("group"), processor).topics(destination).retryDelay(Duration.ofMillis(100))
                .deadLetterTopics(topic -> "not a valid topic name!").build();
        binding.start();
        return binding;
    }

    private static KafkaConsumerBinding bind(String topic, String group, MessageProcessor processor) {
        KafkaConsumerBinding binding = KafkaConsumerBinding.builder(KafkaTestBroker.bootstrap(), group, processor)
                .topics(topic).retryDelay(Duration.ofMillis(100)).build();
        binding.start();
        return binding;
    }

    @Override
    protected List<InboundMessage> deadLetters(String destination) {
        return KafkaTestBroker.readAll(destination + KafkaConsumerBinding.DEAD_LETTER_SUFFIX).stream()
                .map(r -> KafkaEnvelope.inbound(r, 1)).toList();
    }

    @Test
    void deadLetterRecordsKeepKeyAndPointBackToTheOriginalRecord() throws Exception {
        String topic = createDestination("dlt");
        MessageProcessor poisonous = message -> new ConsumeOutcome.DeadLettered("cannot decode", null, 1, false);
        try (AutoCloseable binding = bind(topic, poisonous)) {
            send(topic, "order-9", new byte[] {1, 2}, Map.of(Envelope.MESSAGE_ID, "m-9"));
            await().atMost(Duration.ofSeconds(60)).until(() -> deadLetters(topic).size() == 1);
        }
        var record = KafkaTestBroker.readAll(topic + KafkaConsumerBinding.DEAD_LETTER_SUFFIX).get(0);
        var original = KafkaTestBroker.readAll(topic).get(0);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("order-9");
        assertThat(record.value()).containsExactly(1, 2);
        Map<String, String> headers = KafkaEnvelope.headers(record.headers());
        assertThat(headers).containsEntry(Envelope.DEAD_LETTER_REASON, "cannot decode")
                .containsEntry(Envelope.ORIGINAL_DESTINATION, topic)
                .containsEntry(KafkaConsumerBinding.ORIGINAL_PARTITION, Integer.toString(original.partition()))
                .containsEntry(KafkaConsumerBinding.ORIGINAL_OFFSET, Long.toString(original.offset()));
    }

    @Test
    void aFailingRecordIsRetriedBeforeAnyLaterRecordOfItsPartition() throws Exception {
        String topic = createDestination("order");
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        MessageProcessor failThirdTwice = message -> {
            if (message.id().equals("m-2") && failures.getAndIncrement() < 2) {
                throw new IllegalStateException("database unavailable");
            }
            seen.add(message.id() + "@" + message.deliveryAttempt());
            return new ConsumeOutcome.Processed();
        };
        try (AutoCloseable binding = bind(topic, failThirdTwice)) {
            for (int i = 0; i < 6; i++) {
                send(topic, "same-key", new byte[] {(byte) i}, Map.of(Envelope.MESSAGE_ID, "m-" + i));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == 6);
        }
        assertThat(seen).containsExactly("m-0@1", "m-1@1", "m-2@3", "m-3@1", "m-4@1", "m-5@1");
    }

    @Test
    void closeCommitsWhatWasProcessedSoTheGroupDoesNotSeeItAgain() throws Exception {
        String topic = createDestination("close");
        String group = TestServers.uniqueName("group");
        List<String> first = new CopyOnWriteArrayList<>();
        try (KafkaConsumerBinding binding = bind(topic, group, m -> {
            first.add(m.id());
            return new ConsumeOutcome.Processed();
        })) {
            for (int i = 0; i < 20; i++) {
                send(topic, "k" + i, new byte[] {1}, Map.of(Envelope.MESSAGE_ID, "c-" + i));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> first.size() == 20);
        }
        List<String> second = new CopyOnWriteArrayList<>();
        try (KafkaConsumerBinding binding = bind(topic, group, m -> {
            second.add(m.id());
            return new ConsumeOutcome.Processed();
        })) {
            send(topic, "k", new byte[] {1}, Map.of(Envelope.MESSAGE_ID, "c-last"));
            await().atMost(Duration.ofSeconds(60)).until(() -> second.contains("c-last"));
        }
        assertThat(second).containsExactly("c-last");
    }

    @Test
    void rebalancesBetweenConsumersLoseNothingAndProcessEachMessageOnce() throws Exception {
        String topic = TestServers.uniqueName("rebalance");
        KafkaTestBroker.createTopic(topic, 4);
        String group = TestServers.uniqueName("group");
        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        IdempotentConsumer consumer = IdempotentConsumer.builder("rebalance").jdbi(db.jdbi())
                .tables(outbox.tables())
                .listener(new ConsumerListener() {
                    @Override
                    public void processed(String name, InboundMessage message, Duration handlerTime) {
                        processed.computeIfAbsent(message.id(), id -> new AtomicInteger()).incrementAndGet();
                    }
                })
                .handler((message, handle) -> TimeUnit.MILLISECONDS.sleep(5))
                .build();
        int total = 600;
        KafkaConsumerBinding a = bind(topic, group, consumer);
        KafkaConsumerBinding b = null;
        try {
            for (int i = 0; i < total; i++) {
                send(topic, "k" + (i % 40), new byte[] {1}, Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
                if (i == total / 3) {
                    b = bind(topic, group, consumer);
                }
                if (i == 2 * total / 3) {
                    a.close();
                }
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> processed.size() == total);
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
        }
        assertThat(processed).hasSize(total);
        assertThat(processed.values()).allMatch(count -> count.get() == 1);
    }

    @Test
    void aDeadLetterTooLargeForTheDeadLetterTopicLeavesWithoutItsValueAndThePartitionGoesOn() throws Exception {
        String topic = createDestination("nearlimit");
        byte[] nearLimit = new byte[1_048_400];
        List<String> processed = new CopyOnWriteArrayList<>();
        MessageProcessor poisonous = message -> {
            if (message.payload().length > 1000) {
                return new ConsumeOutcome.DeadLettered("cannot decode", null, 1, false);
            }
            processed.add(message.id());
            return new ConsumeOutcome.Processed();
        };
        try (AutoCloseable binding = bind(topic, poisonous)) {
            send(topic, "same", nearLimit, Map.of(Envelope.MESSAGE_ID, "big"));
            send(topic, "same", new byte[] {1}, Map.of(Envelope.MESSAGE_ID, "after"));
            await().atMost(Duration.ofSeconds(60)).until(() -> processed.contains("after")
                    && deadLetters(topic).size() == 1);
        }
        InboundMessage dead = deadLetters(topic).get(0);
        assertThat(dead.payload()).isEmpty();
        assertThat(dead.id()).isEqualTo("big");
        assertThat(dead.headers()).containsEntry(Envelope.PAYLOAD_DROPPED, Integer.toString(nearLimit.length))
                .containsKey(KafkaConsumerBinding.ORIGINAL_OFFSET);
        assertThat(dead.headers().get(Envelope.DEAD_LETTER_REASON)).contains("cannot decode")
                .contains("without its payload");
    }
}
