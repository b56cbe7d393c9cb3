package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.DeadLetterFilter;
import dev.outbox.OutboxMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real crashes on a real broker and PostgreSQL: relays and consumers run in child JVMs and are killed with SIGKILL
 * in the middle of their work, and the broker's connections are cut when the adapter's test can do that. After the
 * chaos every event must have exactly one effect, and nothing may be pending or dead-lettered.
 *
 * <p>An adapter's test extends this class and names its {@link CrashTestBroker}.
 */
public abstract class CrashContract extends DatabaseContract {
    protected static final int KEYS = 50;
    private static final int EVENTS = 6_000;

    private CrashTestBroker broker;

    /** The broker operations, created in this JVM and, by class name, in the children. */
    protected abstract Class<? extends CrashTestBroker> broker();

    /** Cuts every client connection to the broker, as a network failure would; false when it cannot. */
    protected boolean cutConnections() {
        return false;
    }

    @Override
    protected JdbcServer server() {
        return TestServers.postgres();
    }

    @BeforeAll
    void createEffectsTable() throws Exception {
        broker = broker().getConstructor().newInstance();
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE effects (message_id VARCHAR(64) NOT NULL)");
        }
    }

    @BeforeEach
    void clearEffects() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM effects");
        }
    }

    /**
     * For about 20 s events are written while, every 1 to 2.5 s and in turn, a random relay (of two, ordered) is
     * killed and restarted, a random consumer (of two) is killed and restarted, and the broker's connections are
     * cut. The seed is printed so that a failure can be replayed.
     */
    @Test
    void randomCrashesDuringTrafficLeaveExactlyOneEffectPerEvent() throws Exception {
        String destination = broker.createDestination("torture");
        long seed = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " torture seed " + seed);
        Random random = new Random(seed);
        List<ChildJvm> relays = new ArrayList<>(List.of(child("relay", destination), child("relay", destination)));
        List<ChildJvm> consumers = new ArrayList<>(List.of(child("consumer", destination),
                child("consumer", destination)));
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                while (written.get() < EVENTS) {
                    List<OutboxMessage> batch = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        batch.add(OutboxMessage.builder().destination(destination).key("k" + random.nextInt(KEYS))
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
                        relays.set(i, child("relay", destination));
                        kills++;
                    }
                    case 1 -> {
                        int i = random.nextInt(consumers.size());
                        consumers.get(i).kill();
                        consumers.set(i, child("consumer", destination));
                        kills++;
                    }
                    default -> cuts += cutConnections() ? 1 : 0;
                }
            }
            writer.join();
            await().atMost(Duration.ofSeconds(180)).until(() -> outbox.admin().stats().pending() == 0
                    && effects("COUNT(DISTINCT message_id)") >= EVENTS);
        } finally {
            relays.forEach(ChildJvm::close);
            consumers.forEach(ChildJvm::close);
        }
        System.out.printf("%s torture: %d processes killed, %d connection cuts, %d events%n",
                getClass().getSimpleName(), kills, cuts, EVENTS);
        assertThat(kills).as("processes were killed").isPositive();
        assertThat(effects("COUNT(DISTINCT message_id)")).isEqualTo(EVENTS);
        assertThat(effects("COUNT(*)")).as("no event has two effects").isEqualTo(EVENTS);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isZero();
    }

    /** Starts a {@code relay} or {@code consumer} child on {@code destination}; kill or close it. */
    protected ChildJvm child(String role, String destination) {
        JdbcServer server = server();
        return ChildJvm.start("crash-" + role + "-" + UUID.randomUUID(), CrashContractProcess.class.getName(),
                List.of("-Xmx256m"), List.of(role, broker().getName(), broker.endpoint(), db.url(),
                        server.user() == null ? "-" : server.user(), server.password() == null ? "-"
                                : server.password(), destination));
    }

    /** {@code count} (e.g. {@code COUNT(*)}) over the effect rows. */
    protected long effects(String count) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT " + count + " FROM effects").mapTo(Long.class).one());
    }
}
