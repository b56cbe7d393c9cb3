package dev.outbox.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.Ordering;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.testing.PublisherContract;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaPublisherTest extends PublisherContract {

    @Override
    protected MessagePublisher createPublisher() {
        return KafkaPublisher.builder(KafkaTestBroker.bootstrap()).build();
    }

    @Override
    protected MessagePublisher createPublisher(Function<OutboundMessage, String> destinations) {
        return KafkaPublisher.builder(KafkaTestBroker.bootstrap()).destinations(destinations).build();
    }

    @Override
    protected String createDestination(String base) {
        String topic = TestServers.uniqueName(base);
        KafkaTestBroker.createTopic(topic, 3);
        return topic;
    }

    @Override
    protected List<InboundMessage> receive(String destination, int count, Duration timeout) {
        return KafkaTestBroker.read(KafkaTestBroker.bootstrap(), destination, count, timeout).stream()
                .map(r -> KafkaEnvelope.inbound(r, 1)).toList();
    }

    @Test
    void messageKeyIsTheRecordKey() throws Exception {
        String topic = createDestination("key");
        publisher.publish(List.of(outbound(topic, "order-7", "x"))).toCompletableFuture().get(60, TimeUnit.SECONDS);
        ConsumerRecord<byte[], byte[]> record = KafkaTestBroker.read(KafkaTestBroker.bootstrap(), topic, 1,
                Duration.ofSeconds(30)).get(0);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("order-7");
    }

    @Test
    void recordOverMaxRequestSizeIsDeadLetteredByTheRelayWithTheReason() throws Exception {
        String topic = createDestination("big");
        try (KafkaPublisher small = KafkaPublisher.builder(KafkaTestBroker.bootstrap())
                .property(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 10_000).build()) {
            OutboundMessage big = outbound(topic, "k", "x".repeat(20_000));
            assertThat(small.publish(List.of(big)).toCompletableFuture().get(30, TimeUnit.SECONDS)).singleElement()
                    .isInstanceOfSatisfying(PublishResult.Rejected.class,
                            r -> assertThat(r.reason()).contains("max.request.size").contains(topic));

            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                outbox.write(c, OutboxMessage.builder().destination(topic).key("k").type("Big")
                        .rawPayload(new byte[20_000]).build());
                outbox.write(c, OutboxMessage.builder().destination(topic).key("k").type("Small")
                        .rawPayload(new byte[10]).build());
                c.commit();
            }
            try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(small).build()) {
                relay.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> outbox.admin().stats().pending() == 0);
            }
        }
        List<DeadLetter> dead = outbox.admin().deadLetters(DeadLetterFilter.all(), 100).stream()
                .filter(d -> d.message().destination().equals(topic)).toList();
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.message().type()).isEqualTo("Big");
            assertThat(d.lastError()).contains("max.request.size");
        });
        assertThat(KafkaTestBroker.readAll(topic)).extracting(r -> r.value().length).containsExactly(10);
    }

    @Test
    void invalidTopicNameIsRejected() throws Exception {
        OutboundMessage message = outbound("not a valid topic!", "k", "x");
        assertThat(publisher.publish(List.of(message)).toCompletableFuture().get(60, TimeUnit.SECONDS))
                .singleElement().isInstanceOfSatisfying(PublishResult.Rejected.class,
                        r -> assertThat(r.reason()).contains("not a valid Kafka topic name"));
    }

    @Test
    void sameKeyMessagesArriveInWriteOrderAcrossPartitionsWithTwoOrderedRelays() throws Exception {
        String topic = TestServers.uniqueName("order");
        KafkaTestBroker.createTopic(topic, 4);
        int keys = 25;
        int perKey = 40;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> messages = new ArrayList<>();
            for (int n = 0; n < perKey; n++) {
                for (int k = 0; k < keys; k++) {
                    messages.add(OutboxMessage.builder().destination(topic).key("key-" + k).type("Seq")
                            .rawPayload(Integer.toString(n).getBytes(StandardCharsets.UTF_8)).build());
                }
            }
            outbox.writeAll(c, messages);
            c.commit();
        }
        try (OutboxRelay first = OutboxRelay.builder(outbox).publisher(publisher).ordering(Ordering.BY_KEY)
                .batchSize(50).build();
             OutboxRelay second = OutboxRelay.builder(outbox).publisher(publisher).ordering(Ordering.BY_KEY)
                .batchSize(50).build()) {
            first.start();
            second.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> outbox.admin().stats().pending() == 0);
        }
        Map<String, List<Integer>> sequences = new HashMap<>();
        Map<String, Set<Integer>> partitions = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestBroker.read(KafkaTestBroker.bootstrap(), topic,
                keys * perKey, Duration.ofSeconds(30))) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            sequences.computeIfAbsent(key, k -> new ArrayList<>())
                    .add(Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8)));
            partitions.computeIfAbsent(key, k -> new HashSet<>()).add(r.partition());
        }
        assertThat(sequences).hasSize(keys);
        assertThat(partitions.values()).allMatch(p -> p.size() == 1);
        assertThat(partitions.values().stream().flatMap(Set::stream).distinct().count()).isGreaterThan(1);
        List<Integer> inOrder = java.util.stream.IntStream.range(0, perKey).boxed().toList();
        sequences.forEach((key, seen) -> assertThat(seen).as("sequence of %s", key).isEqualTo(inOrder));
    }
}
