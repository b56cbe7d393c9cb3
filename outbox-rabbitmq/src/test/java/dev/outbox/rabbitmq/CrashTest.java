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
import dev.outbox.testing.DatabaseContract;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real crashes: relays and consumers run in child JVMs on PostgreSQL and RabbitMQ and are killed with SIGKILL in
 * the middle of their work. Nothing may be lost, a key's order may not break, and a consumer's effects may not
 * be doubled.
 */
class CrashTest extends DatabaseContract {
    private static final int KEYS = 50;

    private Connection admin;

    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }

    @BeforeAll
    void prepare() throws SQLException {
        admin = RabbitTestBroker.connect("outbox-crash-test");
        try (java.sql.Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE effects (message_id VARCHAR(64) NOT NULL)");
        }
    }

    @BeforeEach
    void clearEffects() throws SQLException {
        try (java.sql.Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM effects");
        }
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

    /**
     * The torture run: for about 20 s events are written while, every 1 to 2.5 s, a random relay (of two, ordered)
     * or consumer (of two) is killed and restarted, or the broker cuts every connection, in turn; afterwards every event must have
     * exactly one effect and nothing may be pending or dead-lettered. The seed is printed to replay a failure.
     */
    @Test
    void randomCrashesAndBrokerCutsDuringTrafficLeaveExactlyOneEffectPerEvent() throws Exception {
        String queue = TestServers.uniqueName("torture");
        RabbitTestBroker.declare(admin, queue, RabbitTopology.QueueType.CLASSIC);
        long seed = System.nanoTime();
        System.out.println("CrashTest torture seed " + seed);
        Random random = new Random(seed);
        int total = 6_000;
        List<ChildJvm> relays = new ArrayList<>(List.of(child("relay", queue), child("relay", queue)));
        List<ChildJvm> consumers = new ArrayList<>(List.of(child("consumer", queue), child("consumer", queue)));
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try (java.sql.Connection c = db.connection()) {
                c.setAutoCommit(false);
                while (written.get() < total) {
                    List<OutboxMessage> batch = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        batch.add(OutboxMessage.builder().destination(queue).key("k" + random.nextInt(KEYS))
                                .type("T").rawPayload(new byte[] {1}).build());
                    }
                    outbox.writeAll(c, batch);
                    c.commit();
                    written.addAndGet(batch.size());
                    TimeUnit.MILLISECONDS.sleep(60);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "torture-writer");
        int kills = 0;
        int cuts = 0;
        int step = random.nextInt(3);
        try {
            writer.start();
            while (writer.isAlive()) {
                TimeUnit.MILLISECONDS.sleep(1_000 + random.nextInt(1_500));
                switch (step++ % 3) {
                    case 0 -> {
                        int i = random.nextInt(relays.size());
                        relays.get(i).kill();
                        relays.set(i, child("relay", queue));
                        kills++;
                    }
                    case 1 -> {
                        int i = random.nextInt(consumers.size());
                        consumers.get(i).kill();
                        consumers.set(i, child("consumer", queue));
                        kills++;
                    }
                    default -> {
                        RabbitTestBroker.closeAllConnections();
                        cuts++;
                    }
                }
            }
            writer.join();
            await().atMost(Duration.ofSeconds(180)).until(() -> outbox.admin().stats().pending() == 0
                    && effects("COUNT(DISTINCT message_id)") >= total);
        } finally {
            relays.forEach(ChildJvm::close);
            consumers.forEach(ChildJvm::close);
        }
        System.out.printf("CrashTest torture: %d processes killed, %d broker connection cuts, %d events%n", kills,
                cuts, total);
        assertThat(kills + cuts).as("chaos happened").isPositive();
        assertThat(effects("COUNT(DISTINCT message_id)")).isEqualTo(total);
        assertThat(effects("COUNT(*)")).as("no event has two effects").isEqualTo(total);
        assertThat(outbox.admin().countDeadLetters(dev.outbox.DeadLetterFilter.all())).isZero();
    }

    private ChildJvm child(String role, String queue) {
        JdbcServer server = server();
        return ChildJvm.start("crash-" + role + "-" + UUID.randomUUID(), CrashTestProcess.class.getName(),
                List.of("-Xmx256m"), List.of(role, db.url(), server.user() == null ? "-" : server.user(),
                        server.password() == null ? "-" : server.password(),
                        TestServers.rabbitmq().toString(), queue));
    }

    private long effects(String count) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT " + count + " FROM effects").mapTo(Long.class).one());
    }
}
