package dev.outbox.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.outbox.OutboxMessage;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.testing.ChildJvm;
import dev.outbox.testing.CrashContract;
import dev.outbox.testing.CrashTestBroker;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real crashes on RabbitMQ and PostgreSQL (the contract's torture run, with broker connection cuts), plus two that
 * read the queue directly: a killed relay loses nothing and breaks no key's order, and a killed consumer doubles
 * no effect.
 */
class CrashTest extends CrashContract {

    private Connection admin;

    @Override
    protected Class<? extends CrashTestBroker> broker() {
        return RabbitCrashBroker.class;
    }

    @Override
    protected boolean cutConnections() {
        RabbitTestBroker.closeAllConnections();
        return true;
    }

    @BeforeAll
    void connect() {
        admin = RabbitTestBroker.connect("outbox-crash-test");
    }

    @AfterAll
    void disconnect() throws Exception {
        admin.close();
    }

    @Test
    void relayKilledMidDrainLosesNothingAndKeepsEachKeysOrder() throws Exception {
        String queue = TestServers.uniqueName("crash-relay");
        RabbitTestBroker.declare(admin, queue, RabbitTopology.QueueType.CLASSIC);
        int perKey = 200;
        Set<String> written = new LinkedHashSet<>();
        try (java.sql.Connection c = db.connection()) {
            c.setAutoCommit(false);
            for (int n = 0; n < perKey; n++) {
                List<OutboxMessage> round = new ArrayList<>();
                for (int k = 0; k < KEYS; k++) {
                    round.add(OutboxMessage.builder().destination(queue).key("k" + k).type("Seq")
                            .rawPayload(Integer.toString(n).getBytes(StandardCharsets.UTF_8)).build());
                }
                outbox.writeAll(c, round).forEach(id -> written.add(id.toString()));
                c.commit();
            }
        }
        List<InboundMessage> received = new ArrayList<>();
        try (ChildJvm first = child("relay", queue); ChildJvm second = child("relay", queue)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                received.addAll(RabbitTestBroker.drain(admin, queue, 2_000, Duration.ofMillis(200)));
                return received.size() >= written.size() / 3;
            });
            first.kill();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                received.addAll(RabbitTestBroker.drain(admin, queue, 2_000, Duration.ofMillis(200)));
                return outbox.admin().stats().pending() == 0;
            });
            received.addAll(RabbitTestBroker.drain(admin, queue, Integer.MAX_VALUE, Duration.ofSeconds(1)));
        }
        Map<String, List<Integer>> firstSeen = new HashMap<>();
        Set<String> ids = new LinkedHashSet<>();
        for (InboundMessage m : received) {
            if (ids.add(m.id())) {
                firstSeen.computeIfAbsent(m.key(), k -> new ArrayList<>())
                        .add(Integer.parseInt(new String(m.payload(), StandardCharsets.UTF_8)));
            }
        }
        System.out.printf("CrashTest: %d deliveries of %d messages (%d sent again after the kill)%n", received.size(),
                written.size(), received.size() - ids.size());
        assertThat(ids).as("every committed message arrives").containsExactlyInAnyOrderElementsOf(written);
        List<Integer> inOrder = IntStream.range(0, perKey).boxed().toList();
        firstSeen.forEach((key, seqs) -> assertThat(seqs).as("first arrivals of %s", key).isEqualTo(inOrder));
        assertThat(outbox.admin().countDeadLetters(dev.outbox.DeadLetterFilter.all())).isZero();
    }

    @Test
    void consumerKilledMidStreamHasEachEffectOnce() throws Exception {
        String queue = TestServers.uniqueName("crash-consumer");
        RabbitTestBroker.declare(admin, queue, RabbitTopology.QueueType.CLASSIC);
        int total = 3_000;
        try (Channel channel = admin.createChannel()) {
            channel.confirmSelect();
            for (int i = 0; i < total; i++) {
                channel.basicPublish("", queue, true, new AMQP.BasicProperties.Builder().deliveryMode(2)
                        .headers(Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString())).build(), new byte[] {1});
            }
            channel.waitForConfirmsOrDie(60_000);
        }
        try (ChildJvm first = child("consumer", queue)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> effects("COUNT(*)") >= total / 3);
            first.kill();
            System.out.printf("CrashTest: consumer killed after %d of %d effects%n", effects("COUNT(*)"), total);
        }
        try (ChildJvm second = child("consumer", queue)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> effects("COUNT(DISTINCT message_id)") == total);
        }
        assertThat(effects("COUNT(*)")).as("one effect per message, none doubled by the crash").isEqualTo(total);
    }
}
