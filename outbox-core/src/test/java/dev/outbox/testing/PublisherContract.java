package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MessagePublisher} must do against its real broker: an ack per message only once the broker
 * has the message, every envelope field on the wire and readable back, the same id on every publish, and a relay
 * publishing through it delivering every committed message. An adapter's test implements the broker operations;
 * the database is in-memory H2 by default, as it is not what is under test here.
 *
 * <p>What the relay tolerates from a publisher that breaks this contract (throws, hangs, answers for the wrong
 * messages) is listed on {@link MessagePublisher} and proved by {@code RelayContract}: such a publisher costs
 * retries and log lines, never a stalled relay or a lost message.
 */
public abstract class PublisherContract extends DatabaseContract {
    private static final Duration WAIT = Duration.ofSeconds(60);

    protected MessagePublisher publisher;

    /** The publisher under test, on the real broker. */
    protected abstract MessagePublisher createPublisher();

    /**
     * The publisher under test with its destination mapping replaced: {@code destinations} gives the adapter's
     * destination name (topic, queue) for a message, and may throw or return null.
     */
    protected abstract MessagePublisher createPublisher(Function<OutboundMessage, String> destinations);

    /** Creates a destination, new for each test, that messages published to it can be read back from. */
    protected abstract String createDestination(String base);

    /** Reads what reached {@code destination}, waiting until {@code count} messages are there or time runs out. */
    protected abstract List<InboundMessage> receive(String destination, int count, Duration timeout);

    @Override
    protected JdbcServer server() {
        return TestServers.h2();
    }

    @BeforeAll
    void openPublisher() {
        publisher = createPublisher();
    }

    @AfterAll
    void closePublisher() {
        if (publisher != null) {
            publisher.close();
        }
    }

    @Test
    void everyMessageOfABatchIsAckedAndArrivesWithItsEnvelope() throws Exception {
        String destination = createDestination("contract");
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(outbound(destination, "key-" + (i % 3), "payload-" + i));
        }
        List<PublishResult> results = publisher.publish(batch).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(results).hasSize(20).allMatch(r -> r instanceof PublishResult.Acked);
        assertThat(results.stream().map(PublishResult::messageId).collect(Collectors.toSet()))
                .isEqualTo(batch.stream().map(OutboundMessage::id).collect(Collectors.toSet()));

        List<InboundMessage> received = receive(destination, 20, WAIT);
        assertThat(received).hasSize(20);
        OutboundMessage first = batch.get(0);
        InboundMessage read = received.stream().filter(m -> first.id().toString().equals(m.id())).findFirst()
                .orElseThrow();
        assertThat(read.key()).isEqualTo(first.key());
        assertThat(read.type()).isEqualTo("OrderPlaced");
        assertThat(read.contentType()).isEqualTo("application/json");
        assertThat(read.correlationId()).isEqualTo("corr-1");
        assertThat(read.causationId()).isEqualTo("cause-1");
        assertThat(read.traceparent()).isEqualTo(first.traceparent());
        assertThat(read.tracestate()).isEqualTo("vendor=1");
        assertThat(read.createdAt()).isEqualTo(first.createdAt());
        assertThat(read.headers()).containsEntry("tenant", "acme");
        assertThat(new String(read.payload(), StandardCharsets.UTF_8)).isEqualTo("payload-0");
    }

    @Test
    void aDestinationMappingThatFailsRejectsOnlyItsMessage() throws Exception {
        String destination = createDestination("mapping");
        OutboundMessage good = outbound(destination, "k", "good");
        OutboundMessage throwing = outbound("throw", "k", "throws");
        OutboundMessage unmapped = outbound("null", "k", "null");
        try (MessagePublisher mapped = createPublisher(m -> switch (m.destination()) {
            case "throw" -> throw new IllegalArgumentException("no route for 'throw'");
            case "null" -> null;
            default -> m.destination();
        })) {
            List<PublishResult> results = mapped.publish(List.of(throwing, good, unmapped)).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            Map<UUID, PublishResult> byId = results.stream()
                    .collect(Collectors.toMap(PublishResult::messageId, r -> r));
            assertThat(byId).hasSize(3);
            assertThat(byId.get(good.id())).isInstanceOf(PublishResult.Acked.class);
            assertThat(byId.get(throwing.id())).isInstanceOfSatisfying(PublishResult.Rejected.class,
                    r -> assertThat(r.reason()).contains("destination mapping").contains("no route for 'throw'"));
            assertThat(byId.get(unmapped.id())).isInstanceOfSatisfying(PublishResult.Rejected.class,
                    r -> assertThat(r.reason()).contains("destination mapping"));
        }
        assertThat(receive(destination, 1, WAIT)).singleElement()
                .satisfies(m -> assertThat(m.id()).isEqualTo(good.id().toString()));
    }

    @Test
    void republishingCarriesTheSameMessageId() throws Exception {
        String destination = createDestination("republish");
        OutboundMessage message = outbound(destination, "k", "again");
        for (int i = 0; i < 2; i++) {
            assertThat(publisher.publish(List.of(message)).toCompletableFuture().get(60, TimeUnit.SECONDS))
                    .allMatch(r -> r instanceof PublishResult.Acked);
        }
        List<InboundMessage> received = receive(destination, 2, WAIT);
        assertThat(received).hasSize(2).allMatch(m -> message.id().toString().equals(m.id()));
    }

    @Test
    void concurrentBatchesAreAllAcked() throws Exception {
        String destination = createDestination("concurrent");
        List<CompletableFuture<List<PublishResult>>> futures = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            List<OutboundMessage> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(outbound(destination, "k" + i, "b" + b + "-" + i));
            }
            futures.add(CompletableFuture.supplyAsync(() -> publisher.publish(batch))
                    .thenCompose(stage -> stage));
        }
        for (CompletableFuture<List<PublishResult>> f : futures) {
            assertThat(f.get(60, TimeUnit.SECONDS)).hasSize(50).allMatch(r -> r instanceof PublishResult.Acked);
        }
        assertThat(receive(destination, 400, WAIT)).hasSize(400);
    }

    @Test
    void relayDeliversEveryCommittedMessageThroughThePublisher() throws Exception {
        String destination = createDestination("relay");
        Set<String> written;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> messages = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                messages.add(OutboxMessage.builder().destination(destination).key("k" + (i % 10)).type("T")
                        .payload(Map.of("n", i)).build());
            }
            written = outbox.writeAll(c, messages).stream().map(UUID::toString).collect(Collectors.toSet());
            c.commit();
        }
        try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build()) {
            relay.start();
            await().atMost(WAIT).until(() -> outbox.admin().stats().pending() == 0);
        }
        List<InboundMessage> received = receive(destination, 100, WAIT);
        assertThat(received.stream().map(InboundMessage::id).collect(Collectors.toSet())).isEqualTo(written);
    }

    /** A message with every envelope field set. */
    protected static OutboundMessage outbound(String destination, String key, String payload) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return new OutboundMessage(UUID.randomUUID(), destination, null, key, 0, "OrderPlaced", "application/json",
                payload.getBytes(StandardCharsets.UTF_8), Map.of("tenant", "acme"), "corr-1", "cause-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=1", now, now, 0);
    }
}
