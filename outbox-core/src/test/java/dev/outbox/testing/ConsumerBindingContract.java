package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.ConsumeOutcome;
import dev.outbox.IdempotentConsumer;
import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every broker's consumer binding must do with a real broker, whatever its acknowledgement model: hand
 * each message to the {@link MessageProcessor}, acknowledge only after it returned Processed or Duplicate,
 * route dead letters to the broker's dead-letter destination with their reason, and leave a message whose
 * processing crashed unacknowledged so that it comes back and is recognised as a duplicate.
 *
 * <p>An adapter's test extends this class and implements the four broker operations below; the database is
 * in-memory H2 by default, as it is not what is under test here.
 */
public abstract class ConsumerBindingContract extends DatabaseContract {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final AtomicInteger processed = new AtomicInteger();
    private final AtomicInteger duplicates = new AtomicInteger();

    /** Creates a destination of the broker, new for each test, with its dead-letter destination. */
    protected abstract String createDestination(String base);

    /** Sends a raw message to {@code destination}, as any producer would. */
    protected abstract void send(String destination, byte[] payload, Map<String, String> headers);

    /** Starts the binding under test on {@code destination}; closing the result stops it. */
    protected abstract AutoCloseable bind(String destination, MessageProcessor processor);

    /** The messages that have reached the dead-letter destination of {@code destination} so far. */
    protected abstract List<InboundMessage> deadLetters(String destination);

    @Override
    protected JdbcServer server() {
        return TestServers.h2();
    }

    @BeforeAll
    void createEffectsTable() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE effects (message_id VARCHAR(255) NOT NULL)");
        }
    }

    @BeforeEach
    void resetCounts() throws SQLException {
        processed.set(0);
        duplicates.set(0);
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM effects");
        }
    }

    @Test
    void duplicatesAreProcessedOnce() throws Exception {
        String destination = createDestination("dup");
        IdempotentConsumer consumer = consumer(m -> false);
        String id = UUID.randomUUID().toString();
        try (AutoCloseable binding = bind(destination, consumer)) {
            send(destination, payload("a"), Map.of(Envelope.MESSAGE_ID, id));
            send(destination, payload("a"), Map.of(Envelope.MESSAGE_ID, id));
            await().atMost(WAIT).until(() -> processed.get() == 1 && duplicates.get() == 1);
        }
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void handlerFailureThenSuccessIsProcessedOnce() throws Exception {
        String destination = createDestination("retry");
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = consumer(m -> calls.incrementAndGet() == 1);
        try (AutoCloseable binding = bind(destination, consumer)) {
            send(destination, payload("a"), Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
            await().atMost(WAIT).until(() -> processed.get() == 1);
        }
        assertThat(calls).hasValue(2);
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void poisonMessageReachesTheDeadLetterDestinationWithItsReasonAndTheNextFlows() throws Exception {
        String destination = createDestination("poison");
        String poison = UUID.randomUUID().toString();
        String next = UUID.randomUUID().toString();
        IdempotentConsumer consumer = consumer(m -> m.id().equals(poison));
        try (AutoCloseable binding = bind(destination, consumer)) {
            send(destination, payload("poison"), Map.of(Envelope.MESSAGE_ID, poison, Envelope.TYPE, "Bad"));
            send(destination, payload("next"), Map.of(Envelope.MESSAGE_ID, next));
            await().atMost(WAIT).until(() -> processed.get() == 1 && deadLetters(destination).size() == 1);
        }
        InboundMessage dead = deadLetters(destination).get(0);
        assertThat(dead.id()).isEqualTo(poison);
        assertThat(dead.type()).isEqualTo("Bad");
        assertThat(new String(dead.payload(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(dead.headers().get(Envelope.DEAD_LETTER_REASON)).contains("simulated handler failure");
        assertThat(dead.headers()).containsEntry(Envelope.ORIGINAL_DESTINATION, destination)
                .containsEntry(Envelope.ATTEMPTS, "2");
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void messageWithoutIdIsDeadLetteredAsMissingId() throws Exception {
        String destination = createDestination("noid");
        try (AutoCloseable binding = bind(destination, consumer(m -> false))) {
            send(destination, payload("anonymous"), Map.of());
            await().atMost(WAIT).until(() -> deadLetters(destination).size() == 1);
        }
        assertThat(deadLetters(destination).get(0).headers().get(Envelope.DEAD_LETTER_REASON))
                .startsWith(IdempotentConsumer.MISSING_ID);
        assertThat(effects()).isZero();
    }

    @Test
    void crashBetweenCommitAndAckIsRedeliveredAndRecognisedAsDuplicate() throws Exception {
        String destination = createDestination("crash");
        IdempotentConsumer consumer = consumer(m -> false);
        AtomicBoolean crashed = new AtomicBoolean();
        MessageProcessor crashAfterCommit = message -> {
            ConsumeOutcome outcome = consumer.process(message);
            if (crashed.compareAndSet(false, true)) {
                throw new IllegalStateException("simulated crash after commit, before ack");
            }
            return outcome;
        };
        try (AutoCloseable binding = bind(destination, crashAfterCommit)) {
            send(destination, payload("a"), Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
            await().atMost(WAIT).until(() -> processed.get() == 1 && duplicates.get() >= 1);
        }
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void redeliveryIsCountedAsTheNextAttempt() throws Exception {
        String destination = createDestination("attempts");
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        MessageProcessor failingOnce = message -> {
            attempts.add(message.deliveryAttempt());
            if (attempts.size() == 1) {
                throw new IllegalStateException("crash before commit");
            }
            return new ConsumeOutcome.Processed();
        };
        try (AutoCloseable binding = bind(destination, failingOnce)) {
            send(destination, payload("a"), Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
            await().atMost(WAIT).until(() -> attempts.size() == 2);
        }
        assertThat(attempts).containsExactly(1, 2);
    }

    /** A consumer whose handler records an effect, failing first when {@code fails} says so. */
    private IdempotentConsumer consumer(java.util.function.Predicate<InboundMessage> fails) {
        return IdempotentConsumer.builder("binding-contract").jdbi(db.jdbi()).tables(outbox.tables())
                .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(10)))
                .deadLetterPolicy(DeadLetterPolicy.afterAttempts(2))
                .listener(new ConsumerListener() {
                    @Override
                    public void processed(String name, InboundMessage message, Duration handlerTime) {
                        processed.incrementAndGet();
                    }

                    @Override
                    public void duplicate(String name, InboundMessage message) {
                        duplicates.incrementAndGet();
                    }
                })
                .handler((message, handle) -> {
                    handle.execute("INSERT INTO effects (message_id) VALUES (?)", message.id());
                    if (fails.test(message)) {
                        throw new IllegalStateException("simulated handler failure");
                    }
                })
                .build();
    }

    private static byte[] payload(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private int effects() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM effects").mapTo(Integer.class).one());
    }
}
