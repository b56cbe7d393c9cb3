package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

class SqsPublisherTest extends PublisherContract {
    private final SqsAsyncClient sqs = SqsTestServer.client();
    private final Map<String, String> urls = new ConcurrentHashMap<>();

    @AfterAll
    void closeClient() {
        sqs.close();
    }

    @Override
    protected MessagePublisher createPublisher() {
        return SqsPublisher.builder(sqs).build();
    }

    @Override
    protected MessagePublisher createPublisher(Function<OutboundMessage, String> destinations) {
        return SqsPublisher.builder(sqs).destinations(destinations).build();
    }

    @Override
    protected String createDestination(String base) {
        String queue = TestServers.uniqueName(base);
        urls.put(queue, SqsTestServer.createQueue(sqs, queue, Map.of()));
        return queue;
    }

    @Override
    protected List<InboundMessage> receive(String destination, int count, Duration timeout) {
        return SqsTestServer.drain(sqs, urls.get(destination), count, timeout);
    }

    @Test
    void fifoQueueDeliversEachKeyInWriteOrder() throws Exception {
        String queue = TestServers.uniqueName("ordered") + ".fifo";
        String url = SqsTestServer.createQueue(sqs, queue, Map.of());
        int keys = 5;
        int perKey = 30;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> messages = new ArrayList<>();
            for (int n = 0; n < perKey; n++) {
                for (int k = 0; k < keys; k++) {
                    messages.add(OutboxMessage.builder().destination(queue).key("key-" + k).type("Seq")
                            .rawPayload(Integer.toString(n).getBytes(StandardCharsets.UTF_8), "text/plain").build());
                }
            }
            outbox.writeAll(c, messages);
            c.commit();
        }
        try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).ordering(Ordering.BY_KEY)
                .batchSize(20).build()) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> outbox.admin().stats().pending() == 0);
        }
        Map<String, List<Integer>> sequences = new HashMap<>();
        for (InboundMessage m : SqsTestServer.drain(sqs, url, keys * perKey, Duration.ofSeconds(30))) {
            sequences.computeIfAbsent(m.key(), k -> new ArrayList<>())
                    .add(Integer.parseInt(new String(m.payload(), StandardCharsets.UTF_8)));
        }
        assertThat(sequences).hasSize(keys);
        List<Integer> inOrder = IntStream.range(0, perKey).boxed().toList();
        sequences.forEach((key, seen) -> assertThat(seen).as("sequence of %s", key).isEqualTo(inOrder));
    }

    @Test
    void messageOverTheLimitIsRejectedAndTheRestOfItsBatchIsAcked() throws Exception {
        String queue = createDestination("big");
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            batch.add(outbound(queue, "k", i == 5 ? "x".repeat(300 * 1024) : "small-" + i));
        }
        List<PublishResult> results = publisher.publish(batch).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(results).hasSize(12);
        assertThat(results).filteredOn(r -> r instanceof PublishResult.Rejected).singleElement()
                .satisfies(r -> {
                    assertThat(r.messageId()).isEqualTo(batch.get(5).id());
                    assertThat(((PublishResult.Rejected) r).reason()).contains("262144").contains("maxMessageBytes");
                });
        assertThat(results).filteredOn(r -> r instanceof PublishResult.Acked).hasSize(11);
        assertThat(receive(queue, 11, Duration.ofSeconds(30))).hasSize(11);
    }

    @Test
    void entryTheServerRefusesIsRejectedAloneWhileTheRestOfTheBatchIsAcked() throws Exception {
        // On a FIFO queue the key becomes the MessageGroupId, which SQS limits to ASCII punctuation and
        // alphanumerics: the server refuses that one entry of the batch.
        String queue = TestServers.uniqueName("partial") + ".fifo";
        urls.put(queue, SqsTestServer.createQueue(sqs, queue, Map.of()));
        List<OutboundMessage> batch = List.of(outbound(queue, "order-1", "a"), outbound(queue, "clé avec espaces", "b"),
                outbound(queue, "order-2", "c"));
        List<PublishResult> results = publisher.publish(batch).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(results).hasSize(3);
        assertThat(results).filteredOn(r -> r.messageId().equals(batch.get(1).id())).singleElement()
                .isInstanceOfSatisfying(PublishResult.Rejected.class,
                        r -> assertThat(r.reason()).contains("MessageGroupId"));
        assertThat(results).filteredOn(r -> r instanceof PublishResult.Acked).extracting(PublishResult::messageId)
                .containsExactlyInAnyOrder(batch.get(0).id(), batch.get(2).id());
        assertThat(receive(queue, 2, Duration.ofSeconds(30))).extracting(InboundMessage::key)
                .containsExactlyInAnyOrder("order-1", "order-2");
    }

    @Test
    void binaryAndEmptyPayloadsRoundTripExactly() throws Exception {
        String queue = createDestination("binary");
        byte[] binary = {0, 1, 2, (byte) 0xFF, (byte) 0xC3, 0x28};
        Instant now = Instant.now();
        OutboundMessage bytes = new OutboundMessage(UUID.randomUUID(), queue, null, "k", 0, "Bin", null, binary,
                Map.of(), null, null, null, null, now, now, 0);
        OutboundMessage empty = new OutboundMessage(UUID.randomUUID(), queue, null, "k", 0, "Empty", null,
                new byte[0], Map.of(), null, null, null, null, now, now, 0);
        assertThat(publisher.publish(List.of(bytes, empty)).toCompletableFuture().get(60, TimeUnit.SECONDS))
                .allMatch(r -> r instanceof PublishResult.Acked);
        Map<String, byte[]> received = new HashMap<>();
        receive(queue, 2, Duration.ofSeconds(30)).forEach(m -> received.put(m.type(), m.payload()));
        assertThat(received.get("Bin")).containsExactly(binary);
        assertThat(received.get("Empty")).isEmpty();
    }

    @Test
    void missingQueueIsRejectedNamingIt() throws Exception {
        String queue = TestServers.uniqueName("missing");
        assertThat(publisher.publish(List.of(outbound(queue, "k", "x"))).toCompletableFuture()
                .get(60, TimeUnit.SECONDS)).singleElement().isInstanceOfSatisfying(PublishResult.Rejected.class,
                        r -> assertThat(r.reason()).contains(queue).contains("does not exist"));
    }
}
