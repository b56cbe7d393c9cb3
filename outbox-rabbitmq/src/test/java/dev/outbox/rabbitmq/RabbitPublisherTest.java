package dev.outbox.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Connection;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.testing.PublisherContract;
import dev.outbox.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RabbitPublisherTest extends PublisherContract {
    private Connection admin;

    @BeforeAll
    void connect() {
        admin = RabbitTestBroker.connect("outbox-test-admin");
    }

    @AfterAll
    void disconnect() throws Exception {
        admin.close();
    }

    @Override
    protected MessagePublisher createPublisher() {
        return RabbitPublisher.builder(RabbitTestBroker.factory()).build();
    }

    @Override
    protected MessagePublisher createPublisher(Function<OutboundMessage, String> destinations) {
        return RabbitPublisher.builder(RabbitTestBroker.factory())
                .destinations(m -> new RabbitDestination("", destinations.apply(m))).build();
    }

    @Override
    protected String createDestination(String base) {
        String queue = TestServers.uniqueName(base);
        RabbitTestBroker.declare(admin, queue, RabbitTopology.QueueType.CLASSIC);
        return queue;
    }

    @Override
    protected List<InboundMessage> receive(String destination, int count, Duration timeout) {
        return RabbitTestBroker.drain(admin, destination, count, timeout);
    }

    @Test
    void unroutableMessageIsAFailureNotASilentDrop() throws Exception {
        OutboundMessage nowhere = new OutboundMessage(UUID.randomUUID(), "amq.direct", "no-queue-bound-here", null,
                0, "T", null, new byte[] {1}, Map.of(), null, null, null, null, Instant.now(), Instant.now(), 0);
        List<PublishResult> results = publisher.publish(List.of(nowhere)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(results).singleElement().isInstanceOfSatisfying(PublishResult.Failed.class,
                f -> assertThat(f.cause()).hasMessageContaining("unroutable").hasMessageContaining("no-queue-bound-here"));
    }

    @Test
    void messageOverTheSizeLimitIsRejectedWithTheLimitNamed() throws Exception {
        try (RabbitPublisher small = RabbitPublisher.builder(RabbitTestBroker.factory()).maxMessageBytes(10).build()) {
            OutboundMessage big = outbound(createDestination("big"), "k", "more than ten bytes");
            assertThat(small.publish(List.of(big)).toCompletableFuture().get(30, TimeUnit.SECONDS)).singleElement()
                    .isInstanceOfSatisfying(PublishResult.Rejected.class,
                            r -> assertThat(r.reason()).contains("10").contains("maxMessageBytes"));
        }
    }

    @Test
    void connectionsCutMidStreamRecoverAndNothingIsLost() throws Exception {
        String queue = createDestination("outage");
        Set<String> written = new HashSet<>();
        try (java.sql.Connection c = db.connection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> messages = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                messages.add(OutboxMessage.builder().destination(queue).key("k" + (i % 50)).type("T")
                        .rawPayload(new byte[200]).build());
            }
            outbox.writeAll(c, messages).forEach(id -> written.add(id.toString()));
            c.commit();
        }
        Set<String> received = new HashSet<>();
        try (RabbitPublisher recovering = RabbitPublisher.builder(RabbitTestBroker.factory()).build();
             OutboxRelay relay = OutboxRelay.builder(outbox).publisher(recovering).batchSize(100)
                     .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(200))).build()) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                received.addAll(ids(RabbitTestBroker.drain(admin, queue, 500, Duration.ofMillis(200))));
                return received.size() >= 300;
            });
            RabbitTestBroker.closeAllConnections();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                received.addAll(ids(RabbitTestBroker.drain(admin, queue, 3000, Duration.ofMillis(500))));
                return received.containsAll(written);
            });
        }
        assertThat(received).containsAll(written);
        assertThat(outbox.admin().stats().pending()).isZero();
    }

    @Test
    void aMissingExchangeRejectsOnlyItsMessagesAndTheChannelGoesOn() throws Exception {
        String queue = createDestination("beside-missing");
        String missing = TestServers.uniqueName("no-such-exchange");
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(i % 3 == 0 ? toExchange(missing, "rk") : outbound(queue, "k" + i, "p" + i));
        }
        for (int round = 0; round < 2; round++) {
            List<PublishResult> results = publisher.publish(batch).toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (PublishResult r : results) {
                OutboundMessage m = batch.stream().filter(b -> b.id().equals(r.messageId())).findFirst().orElseThrow();
                if (m.destination().equals(missing)) {
                    assertThat(r).isInstanceOfSatisfying(PublishResult.Rejected.class,
                            rejected -> assertThat(rejected.reason()).contains(missing));
                } else {
                    assertThat(r).isInstanceOf(PublishResult.Acked.class);
                }
            }
        }
        assertThat(receive(queue, 12, Duration.ofSeconds(30))).hasSize(12);
    }

    @Test
    void anExchangeDeletedAfterItWasFoundRejectsItsMessagesAndSparesTheOthers() throws Exception {
        String queue = createDestination("beside-deleted");
        String exchange = TestServers.uniqueName("deleted-exchange");
        try (com.rabbitmq.client.Channel channel = admin.createChannel()) {
            channel.exchangeDeclare(exchange, "direct", false);
            channel.queueBind(queue, exchange, "rk");
        }
        assertThat(publisher.publish(List.of(toExchange(exchange, "rk"))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS)).allMatch(r -> r instanceof PublishResult.Acked);
        try (com.rabbitmq.client.Channel channel = admin.createChannel()) {
            channel.exchangeDelete(exchange);
        }
        Set<UUID> acked = new HashSet<>();
        OutboundMessage doomed = toExchange(exchange, "rk");
        List<OutboundMessage> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(outbound(queue, "k" + i, "p" + i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<OutboundMessage> batch = new ArrayList<>(others.stream().filter(m -> !acked.contains(m.id())).toList());
            batch.add(0, doomed);
            for (PublishResult r : publisher.publish(batch).toCompletableFuture().get(30, TimeUnit.SECONDS)) {
                if (r.messageId().equals(doomed.id())) {
                    assertThat(r).isNotInstanceOf(PublishResult.Acked.class);
                } else if (r instanceof PublishResult.Acked) {
                    acked.add(r.messageId());
                } else {
                    assertThat(r).isInstanceOfSatisfying(PublishResult.Failed.class, f -> assertThat(f.cause())
                            .isInstanceOf(dev.outbox.spi.BrokerUnavailableException.class));
                }
            }
            return acked.size() == others.size();
        });
        assertThat(publisher.publish(List.of(doomed)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                .singleElement().isInstanceOf(PublishResult.Rejected.class);
    }

    private static OutboundMessage toExchange(String exchange, String routingKey) {
        Instant now = Instant.now();
        return new OutboundMessage(UUID.randomUUID(), exchange, routingKey, null, 0, "T", null, new byte[] {1},
                Map.of(), null, null, null, null, now, now, 0);
    }

    private static List<String> ids(List<InboundMessage> messages) {
        return messages.stream().map(InboundMessage::id).toList();
    }
}
