package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.IdempotentConsumer;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.Deliveries;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

    /**
     * Starts the binding under test on {@code destination} with a dead-letter destination the broker refuses (one
     * that does not exist, or whose name is invalid), so that dead letters must go elsewhere.
     */
    protected abstract AutoCloseable bindWithUnusableDeadLetterDestination(String destination,
                                                                           MessageProcessor processor);

    /**
     * Sends a delivery whose envelope this broker's binding cannot read (e.g. a body marked base64 that is not),
     * with {@code marker} as a header or attribute the dead letter keeps; false when the broker's envelope has no
     * such form (every delivery reads as some message).
     */
    protected boolean sendMalformed(String destination, String marker) {
        return false;
    }

    /** Whether the broker carries a NUL character in a header value (SQS attributes cannot). */
    protected boolean carriesNulInHeaders() {
        return true;
    }

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

    // Hostile deliveries: every one ends dead-lettered with a reason, none stops the binding or stalls the rest.

    @Test
    void anInvalidMessageIdIsDeadLetteredAndTheNextFlows() throws Exception {
        String destination = createDestination("badid");
        String next = UUID.randomUUID().toString();
        List<String> bad = new ArrayList<>(List.of("forged\r\nINFO fake log line", "x".repeat(300)));
        if (carriesNulInHeaders()) {
            bad.add("nul\u0000id");
        }
        try (AutoCloseable binding = bind(destination, consumer(m -> false))) {
            for (String id : bad) {
                send(destination, payload("bad"), Map.of(Envelope.MESSAGE_ID, id));
            }
            send(destination, payload("next"), Map.of(Envelope.MESSAGE_ID, next));
            await().atMost(WAIT).until(() -> processed.get() == 1 && deadLetters(destination).size() == bad.size());
        }
        assertThat(deadLetters(destination)).allSatisfy(d -> assertThat(d.headers().get(Envelope.DEAD_LETTER_REASON))
                .startsWith("invalid message id"));
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void aMessageThatKeepsComingBackNotProcessedIsDeadLetteredAndTheNextFlows() throws Exception {
        String destination = createDestination("stuck");
        IdempotentConsumer consumer = consumer(m -> false);
        MessageProcessor stuck = message -> "stuck".equals(message.id())
                ? new ConsumeOutcome.NotProcessed("simulated data problem", null) : consumer.process(message);
        try (AutoCloseable binding = bind(destination, stuck)) {
            send(destination, payload("stuck"), Map.of(Envelope.MESSAGE_ID, "stuck"));
            send(destination, payload("next"), Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
            await().atMost(WAIT).until(() -> processed.get() == 1 && deadLetters(destination).size() == 1);
        }
        assertThat(deadLetters(destination).get(0).headers().get(Envelope.DEAD_LETTER_REASON))
                .startsWith("not processed after " + Deliveries.DEFAULT_MAX_UNSETTLED + " deliveries");
    }

    @Test
    void anOutageIsNeverDeadLettered() throws Exception {
        String destination = createDestination("outage");
        AtomicInteger deliveries = new AtomicInteger();
        IdempotentConsumer consumer = consumer(m -> false);
        MessageProcessor down = message -> deliveries.incrementAndGet() <= Deliveries.DEFAULT_MAX_UNSETTLED + 2
                ? new ConsumeOutcome.NotProcessed("database unavailable", null, true) : consumer.process(message);
        try (AutoCloseable binding = bind(destination, down)) {
            send(destination, payload("a"), Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
            await().atMost(Duration.ofSeconds(90)).until(() -> processed.get() == 1);
        }
        assertThat(deadLetters(destination)).isEmpty();
    }

    @Test
    void aDeadLetterTheDeadLetterDestinationRefusesIsStoredInTheDatabase() throws Exception {
        String destination = createDestination("nodlq");
        String poison = UUID.randomUUID().toString();
        try (AutoCloseable binding = bindWithUnusableDeadLetterDestination(destination,
                consumer(m -> m.id().equals(poison)))) {
            send(destination, payload("poison"), Map.of(Envelope.MESSAGE_ID, poison));
            send(destination, payload("next"), Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
            await().atMost(WAIT).until(() -> processed.get() == 1
                    && outbox.admin().countDeadLetters(DeadLetterFilter.byId(UUID.fromString(poison))) == 1);
        }
        DeadLetter stored = outbox.admin().deadLetters(DeadLetterFilter.byId(UUID.fromString(poison)), 1).get(0);
        assertThat(stored.origin()).isEqualTo("binding-contract");
        assertThat(stored.lastError()).contains("simulated handler failure");
    }

    /**
     * The invariant: a stream mixing every kind of hostile delivery with valid ones. Every valid message has exactly
     * one effect, every hostile one is dead-lettered with a reason, and the binding still runs with no thread dead.
     */
    @Test
    void aHostileStreamLeavesEveryValidMessageOneEffectAndEveryHostileOneADeadLetter() throws Exception {
        String destination = createDestination("hostile");
        List<Throwable> died = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> died.add(e));
        List<String> valid = new ArrayList<>();
        Map<String, Map<String, String>> hostile = new LinkedHashMap<>();
        hostile.put("missing-id", Map.of());
        hostile.put("crlf-id", Map.of(Envelope.MESSAGE_ID, "a\r\nb"));
        hostile.put("long-id", Map.of(Envelope.MESSAGE_ID, "i".repeat(1000)));
        if (carriesNulInHeaders()) {
            hostile.put("nul-id", Map.of(Envelope.MESSAGE_ID, "\u0000"));
        }
        hostile.put("not-json", Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
        hostile.put("deep-json", Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
        hostile.put("handler-error", Map.of(Envelope.MESSAGE_ID, UUID.randomUUID().toString()));
        hostile.put("stuck", Map.of(Envelope.MESSAGE_ID, "stuck-" + UUID.randomUUID()));
        IdempotentConsumer consumer = typedConsumer();
        MessageProcessor processor = message -> message.id() != null && message.id().startsWith("stuck-")
                ? new ConsumeOutcome.NotProcessed("simulated", null) : consumer.process(message);
        try (AutoCloseable binding = bind(destination, processor)) {
            boolean malformed = sendMalformed(destination, "malformed");
            for (Map.Entry<String, Map<String, String>> h : hostile.entrySet()) {
                Map<String, String> headers = new HashMap<>(h.getValue());
                headers.put("case", h.getKey());
                send(destination, hostilePayload(h.getKey()), headers);
                String id = UUID.randomUUID().toString();
                valid.add(id);
                send(destination, json(id, 1), Map.of(Envelope.MESSAGE_ID, id, Envelope.TRACEPARENT, "forged",
                        Envelope.CREATED_AT, "not a time", Envelope.DEAD_LETTER_REASON, "forged",
                        Envelope.ATTEMPTS, "999"));
            }
            int expectedDead = hostile.size() + (malformed ? 1 : 0);
            await().atMost(Duration.ofSeconds(120)).until(() -> distinctEffects() == valid.size()
                    && deadLetters(destination).size() >= expectedDead);
            String after = UUID.randomUUID().toString();
            send(destination, json(after, 2), Map.of(Envelope.MESSAGE_ID, after));
            await().atMost(WAIT).until(() -> distinctEffects() == valid.size() + 1);
            assertThat(deadLetters(destination)).extracting(d -> d.headers().get("case"))
                    .containsAll(hostile.keySet()).contains(malformed ? "malformed" : "missing-id");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertThat(deadLetters(destination)).allSatisfy(d -> assertThat(d.headers().get(Envelope.DEAD_LETTER_REASON))
                .isNotBlank());
        assertThat(effects()).isEqualTo(valid.size() + 1);
        assertThat(died).isEmpty();
    }

    /** The payload of a hostile case: JSON unless the case is about the payload. */
    private static byte[] hostilePayload(String name) {
        if (name.equals("not-json")) {
            return payload("{not json");
        }
        if (name.equals("deep-json")) {
            return payload("{\"id\":\"d\",\"total\":1,\"children\":[".repeat(5000) + "]}".repeat(5000));
        }
        return json(name, name.equals("handler-error") ? -1 : 1);
    }

    private static byte[] json(String id, int total) {
        return payload("{\"id\":\"" + id + "\",\"total\":" + total + "}");
    }

    /** An order that may contain orders: a recursive type, as a deeply nested payload would target. */
    public record Node(String id, int total, List<Node> children) {
    }

    /** A consumer decoding {@link Node}s; a negative total makes its handler throw an Error. */
    private IdempotentConsumer typedConsumer() {
        return IdempotentConsumer.builder("binding-contract").jdbi(db.jdbi()).tables(outbox.tables())
                .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(10)))
                .deadLetterPolicy(DeadLetterPolicy.afterAttempts(2))
                .handler(Node.class, (node, message, handle) -> {
                    if (node.total() < 0) {
                        throw new AssertionError("a handler that fails with an Error");
                    }
                    handle.execute("INSERT INTO effects (message_id) VALUES (?)", message.id());
                })
                .build();
    }

    private int distinctEffects() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT message_id) FROM effects")
                .mapTo(Integer.class).one());
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
