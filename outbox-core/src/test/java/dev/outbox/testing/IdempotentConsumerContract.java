package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.IdempotentConsumer;
import dev.outbox.OutboxRetention;
import dev.outbox.PoisonMessageException;
import dev.outbox.jdbc.JdbcDeduplicationStore;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.ConsumerListener;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.DeduplicationStore;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.spi.TraceContext;
import dev.outbox.spi.TraceContextPropagator;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the idempotent consumer guarantees on a real database: duplicates, failures, poison and concurrent deliveries
 * all end with the handler's effect applied exactly once; whatever a message carries (an invalid id, a payload that
 * does not decode or nests without end, data the database refuses, fields too large for the dead-letter table)
 * ends in an outcome, never in an exception or an endless retry. A dialect's test is a few lines extending this class.
 */
public abstract class IdempotentConsumerContract extends DatabaseContract {
    private static final Duration WAIT = Duration.ofSeconds(30);

    protected DeduplicationStore store;

    @BeforeAll
    void createEffectsTable() throws SQLException {
        store = new JdbcDeduplicationStore(db.jdbi(), outbox.tables(), null, Clock.systemUTC());
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE effects (message_id VARCHAR(255) NOT NULL, note VARCHAR(255))");
        }
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            for (String table : List.of("effects", outbox.tables().inbox(), outbox.tables().deadLetter())) {
                s.executeUpdate("DELETE FROM " + table);
            }
        }
    }

    @Test
    void duplicateDeliveryIsProcessedOnce() throws SQLException {
        IdempotentConsumer consumer = consumer((m, h) -> effect(h, m, "done")).build();
        InboundMessage message = message(UUID.randomUUID().toString(), "{}");

        assertThat(consumer.process(message)).isInstanceOf(ConsumeOutcome.Processed.class);
        assertThat(consumer.process(message)).isInstanceOf(ConsumeOutcome.Duplicate.class);
        assertThat(consumer.process(withAttempt(message, 2))).isInstanceOf(ConsumeOutcome.Duplicate.class);
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void handlerFailureThenSuccessIsProcessedOnceAndTheFailedWritesRollBack() throws SQLException {
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = consumer((m, h) -> {
            effect(h, m, "attempt " + calls.incrementAndGet());
            if (calls.get() == 1) {
                throw new IllegalStateException("downstream timeout");
            }
        }).build();

        assertThat(consumer.process(message("m-1", "{}"))).isInstanceOf(ConsumeOutcome.Processed.class);
        assertThat(calls).hasValue(2);
        assertThat(effects()).isEqualTo(1);
        assertThat(consumer.process(message("m-1", "{}"))).isInstanceOf(ConsumeOutcome.Duplicate.class);
    }

    @Test
    void poisonMessageIsDeadLetteredWithItsReasonAndTheNextMessageFlows() throws SQLException {
        List<String> events = new CopyOnWriteArrayList<>();
        IdempotentConsumer consumer = consumer((m, h) -> {
            if (m.id().equals("poison")) {
                throw new IllegalArgumentException("unknown currency XYZ");
            }
            effect(h, m, "ok");
        }).listener(new ConsumerListener() {
            @Override
            public void retried(String name, InboundMessage message, int attempt, Throwable cause) {
                events.add("retried " + attempt);
            }

            @Override
            public void deadLettered(String name, InboundMessage message, String reason) {
                events.add("dead " + message.id());
            }
        }).build();

        ConsumeOutcome outcome = consumer.process(message("poison", "{}"));
        assertThat(outcome).isInstanceOf(ConsumeOutcome.DeadLettered.class);
        ConsumeOutcome.DeadLettered dead = (ConsumeOutcome.DeadLettered) outcome;
        assertThat(dead.attempts()).isEqualTo(3);
        assertThat(dead.reason()).contains("unknown currency XYZ").contains("3 time(s)");
        assertThat(dead.stored()).isFalse();
        assertThat(events).containsExactly("retried 1", "retried 2", "dead poison");
        assertThat(consumer.process(message("next", "{}"))).isInstanceOf(ConsumeOutcome.Processed.class);
        assertThat(effects()).isEqualTo(1);
        assertThat(recordCommitted("test-consumer", "poison")).as("a dead letter is not recorded as processed")
                .isTrue();
    }

    @Test
    void brokerRedeliveriesCountTowardsTheAttempts() {
        IdempotentConsumer consumer = consumer((m, h) -> {
            throw new IllegalStateException("still failing");
        }).build();
        ConsumeOutcome outcome = consumer.process(withAttempt(message("m-1", "{}"), 3));
        assertThat(outcome).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class,
                d -> assertThat(d.attempts()).isEqualTo(3));
    }

    @Test
    void handlerCanDeclareAMessagePoisonToSkipRetries() {
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = consumer((m, h) -> {
            calls.incrementAndGet();
            throw new PoisonMessageException("unknown event type Foo");
        }).build();
        assertThat(consumer.process(message("m-1", "{}"))).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class,
                d -> assertThat(d.reason()).isEqualTo("unknown event type Foo"));
        assertThat(calls).hasValue(1);
    }

    @Test
    void undecodableOrNullPayloadIsDeadLetteredWithoutCallingTheHandler() {
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = IdempotentConsumer.builder("typed").jdbi(db.jdbi()).tables(outbox.tables())
                .handler(Order.class, (order, m, h) -> calls.incrementAndGet()).build();

        assertThat(consumer.process(message("good", "{\"id\":\"o-1\",\"total\":5}")))
                .isInstanceOf(ConsumeOutcome.Processed.class);
        ConsumeOutcome bad = consumer.process(message("bad", "{not json"));
        assertThat(bad).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class, d -> {
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.reason()).contains("could not be decoded").contains(Order.class.getName());
        });
        ConsumeOutcome empty = consumer.process(message("null", "null"));
        assertThat(empty).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class, d -> {
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.reason()).contains("is null").contains(Order.class.getName());
        });
        assertThat(calls).hasValue(1);
    }

    @Test
    void messageWithoutIdIsDeadLetteredUnlessAFallbackIdIsConfigured() throws SQLException {
        InboundMessage anonymous = Envelope.inbound("orders", "{}".getBytes(StandardCharsets.UTF_8), Map.of(), 1);
        ConsumeOutcome strict = consumer((m, h) -> effect(h, m, "x")).build().process(anonymous);
        assertThat(strict).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class,
                d -> assertThat(d.reason()).startsWith(IdempotentConsumer.MISSING_ID));

        IdempotentConsumer lenient = consumer((m, h) -> effect(h, m, "x"))
                .fallbackId(IdempotentConsumer.FallbackId.payloadHash()).build();
        assertThat(lenient.process(anonymous)).isInstanceOf(ConsumeOutcome.Processed.class);
        assertThat(lenient.process(anonymous)).isInstanceOf(ConsumeOutcome.Duplicate.class);
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void deadLettersCanGoToTheDatabaseTable() {
        IdempotentConsumer consumer = consumer((m, h) -> {
            throw new PoisonMessageException("rejected by validation");
        }).deadLetterToDatabase(true).build();
        String id = UUID.randomUUID().toString();

        assertThat(consumer.process(message(id, "{\"a\":1}"))).isInstanceOfSatisfying(
                ConsumeOutcome.DeadLettered.class, d -> assertThat(d.stored()).isTrue());
        List<DeadLetter> stored = outbox.admin().deadLetters(DeadLetterFilter.byId(UUID.fromString(id)), 10);
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).origin()).isEqualTo("test-consumer");
        assertThat(stored.get(0).lastError()).isEqualTo("rejected by validation");
        assertThat(new String(stored.get(0).message().payload(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    }

    @Test
    void concurrentDeliveryOfTheSameIdIsProcessedOnce() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IdempotentConsumer consumer = consumer((m, h) -> {
            effect(h, m, Thread.currentThread().getName());
            inHandler.countDown();
            release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        }).build();
        InboundMessage message = message("same", "{}");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<ConsumeOutcome> first = threads.submit(() -> consumer.process(message));
            assertThat(inHandler.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            Future<ConsumeOutcome> second = threads.submit(() -> consumer.process(message));
            // The second delivery waits on the first's uncommitted record instead of running the handler.
            await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> !second.isDone());
            release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ConsumeOutcome.Processed.class);
            assertThat(second.get(30, TimeUnit.SECONDS)).isInstanceOf(ConsumeOutcome.Duplicate.class);
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
        assertThat(effects()).isEqualTo(1);
    }

    @Test
    void manyThreadsDeliveringTheSameMessagesApplyEachOnce() throws Exception {
        IdempotentConsumer consumer = consumer((m, h) -> effect(h, m, "x")).build();
        List<InboundMessage> messages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            messages.add(message("m-" + i, "{}"));
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        Map<Class<?>, AtomicInteger> outcomes = new HashMap<>();
        try {
            List<CompletableFuture<ConsumeOutcome>> futures = new ArrayList<>();
            for (int copy = 0; copy < 4; copy++) {
                for (InboundMessage m : messages) {
                    futures.add(CompletableFuture.supplyAsync(() -> consumer.process(m), threads));
                }
            }
            for (CompletableFuture<ConsumeOutcome> f : futures) {
                outcomes.computeIfAbsent(f.get(60, TimeUnit.SECONDS).getClass(), k -> new AtomicInteger())
                        .incrementAndGet();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(outcomes.get(ConsumeOutcome.Processed.class)).hasValue(50);
        assertThat(effects()).isEqualTo(50);
        assertThat(distinctEffects()).isEqualTo(50);
    }

    @Test
    void producerTraceContextIsCurrentInTheHandler() {
        List<String> seen = new CopyOnWriteArrayList<>();
        TraceContextPropagator propagator = new TraceContextPropagator() {
            @Override
            public Optional<TraceContext> current() {
                return Optional.empty();
            }

            @Override
            public Scope makeCurrent(TraceContext context) {
                seen.add("open " + context.traceparent());
                return () -> seen.add("close");
            }
        };
        IdempotentConsumer consumer = consumer((m, h) -> seen.add("handler " + m.id()))
                .tracePropagator(propagator).build();
        Map<String, String> headers = Map.of(Envelope.MESSAGE_ID, "traced",
                Envelope.TRACEPARENT, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        consumer.process(Envelope.inbound("orders", new byte[0], headers, 1));
        assertThat(seen).containsExactly("open 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "handler traced", "close");
    }

    // Hostile messages: each ends in an outcome, dead-lettered with a reason that carries no values.

    @Test
    void invalidIdsAreDeadLetteredBeforeTheDatabaseSeesThem() throws SQLException {
        IdempotentConsumer consumer = consumer((m, h) -> effect(h, m, "x")).build();
        for (String id : List.of("nul\u0000id", "forged\r\nline", "x".repeat(256), "\ud800lone")) {
            assertThat(consumer.process(message(id, "{}"))).as(id).isInstanceOfSatisfying(
                    ConsumeOutcome.DeadLettered.class, d -> assertThat(d.reason()).startsWith("invalid message id"));
        }
        assertThat(effects()).isZero();
        assertThat(consumer.process(message("fine-" + UUID.randomUUID(), "{}")))
                .isInstanceOf(ConsumeOutcome.Processed.class);
    }

    @Test
    void aDataErrorCausedByTheMessageIsPoisonAndNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = consumer((m, h) -> {
            calls.incrementAndGet();
            effect(h, m, "n".repeat(300));
        }).build();
        assertThat(consumer.process(message("too-long-note", "{}"))).isInstanceOfSatisfying(
                ConsumeOutcome.DeadLettered.class, d -> {
                    assertThat(d.attempts()).isEqualTo(1);
                    assertThat(d.reason()).contains("the database refused the message's data").contains("SQLState 22");
                });
        assertThat(calls).hasValue(1);
    }

    @Test
    void aDatabaseThatCannotBeReachedIsAnOutage() {
        HikariDataSource closed = db.pool("closed", 1);
        closed.close();
        IdempotentConsumer consumer = IdempotentConsumer.builder("unreachable").dataSource(closed)
                .tables(outbox.tables()).dialect(dialectOfSuite()).handler((m, h) -> { }).build();
        assertThat(consumer.process(message("m-1", "{}"))).isInstanceOfSatisfying(ConsumeOutcome.NotProcessed.class,
                n -> assertThat(n.outage()).isTrue());
    }

    @Test
    void anUndecodablePayloadsReasonCarriesNoValues() {
        IdempotentConsumer consumer = IdempotentConsumer.builder("typed").jdbi(db.jdbi()).tables(outbox.tables())
                .handler(Order.class, (order, m, h) -> { }).build();
        ConsumeOutcome outcome = consumer.process(message("secret", "{\"id\": s3cr3t-card-number}"));
        assertThat(outcome).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class,
                d -> assertThat(d.reason()).contains(Order.class.getName()).doesNotContain("s3cr3t"));
    }

    @Test
    void aDeeplyNestedPayloadIsDeadLetteredInsteadOfOverflowingTheStack() {
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = IdempotentConsumer.builder("nested").jdbi(db.jdbi()).tables(outbox.tables())
                .handler(Tree.class, (tree, m, h) -> calls.incrementAndGet()).build();
        String deep = "{\"children\":[".repeat(100_000) + "]}".repeat(100_000);
        assertThat(consumer.process(message("deep", deep))).isInstanceOf(ConsumeOutcome.DeadLettered.class);
        assertThat(calls).hasValue(0);
    }

    @Test
    void aHandlerThatThrowsAnErrorIsRetriedThenDeadLettered() {
        AtomicInteger calls = new AtomicInteger();
        IdempotentConsumer consumer = consumer((m, h) -> {
            calls.incrementAndGet();
            throw new StackOverflowError("recursion in the handler");
        }).build();
        assertThat(consumer.process(message("error", "{}"))).isInstanceOfSatisfying(
                ConsumeOutcome.DeadLettered.class, d -> assertThat(d.reason()).contains("StackOverflowError"));
        assertThat(calls).hasValue(3);
    }

    @Test
    void deadLettersStoredInTheDatabaseAreFittedToTheTableAndSaySo() {
        IdempotentConsumer consumer = consumer((m, h) -> {
            throw new PoisonMessageException("rejected");
        }).deadLetterToDatabase(true).maxDeadLetterPayloadBytes(1024).build();
        Map<String, String> headers = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            headers.put("h" + i, "v" + i);
        }
        String id = UUID.randomUUID().toString();
        InboundMessage hostile = new InboundMessage(id, "orders", "k".repeat(300), "T\u0000ype".repeat(100),
                null, new byte[4096], headers, "c".repeat(1000), null, "not-a-traceparent", "s=1", null, 1);

        assertThat(consumer.process(hostile)).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class,
                d -> assertThat(d.stored()).isTrue());
        DeadLetter stored = outbox.admin().deadLetters(DeadLetterFilter.byId(UUID.fromString(id)), 1).get(0);
        assertThat(stored.message().key()).hasSize(255);
        assertThat(stored.message().type()).doesNotContain("\u0000");
        assertThat(stored.message().correlationId()).hasSize(255);
        assertThat(stored.message().traceparent()).isNull();
        assertThat(stored.message().payload()).hasSize(1024);
        assertThat(stored.message().headers()).hasSize(64);
        assertThat(stored.lastError()).startsWith("rejected").contains("the payload cut from 4096 to 1024 bytes")
                .contains("the key cut from 300 to 255").contains("the traceparent dropped");
    }

    @Test
    void consumerNamesAndSettingsAreCheckedNamingTheFix() {
        assertThatThrownBy(() -> IdempotentConsumer.builder("bill\u0000ing").jdbi(db.jdbi()).handler((m, h) -> { })
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> IdempotentConsumer.builder("billing").jdbi(db.jdbi()).handler((m, h) -> { })
                .maxDeadLetterPayloadBytes(-1).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxDeadLetterPayloadBytes");
        assertThatThrownBy(() -> consumer((m, h) -> { }).build().process(null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reasonsCarryTheErrorButNotTheValuesTheDatabaseQuotes() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS uniq (v VARCHAR(50) PRIMARY KEY)");
            s.execute("DELETE FROM uniq");
        }
        IdempotentConsumer consumer = consumer((m, h) -> {
            h.execute("INSERT INTO uniq (v) VALUES (?)", "card-4111111111111111");
            h.execute("INSERT INTO uniq (v) VALUES (?)", "card-4111111111111111");
        }).build();
        assertThat(consumer.process(message("leak", "{}"))).isInstanceOfSatisfying(ConsumeOutcome.DeadLettered.class,
                d -> assertThat(d.reason()).contains("SQLState 23").doesNotContain("4111111111111111")
                        .doesNotContain("Detail").doesNotContain("arguments"));
    }

    @Test
    void retentionForgetsOldDeadLettersAndRecordsInBoundedBatchesAndKeepsTheRest() {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC);
        IdempotentConsumer old = consumer((m, h) -> {
            if (m.id().startsWith("poison")) {
                throw new PoisonMessageException("bad");
            }
        }).deadLetterToDatabase(true).clock(past).deduplicationStore(new JdbcDeduplicationStore(db.jdbi(),
                outbox.tables(), null, past)).build();
        for (int i = 0; i < 3; i++) {
            old.process(message("poison-" + UUID.randomUUID(), "{}"));
            old.process(message("old-" + i, "{}"));
        }
        IdempotentConsumer recent = consumer((m, h) -> {
            throw new PoisonMessageException("bad");
        }).deadLetterToDatabase(true).build();
        recent.process(message(UUID.randomUUID().toString(), "{}"));
        assertThat(recordCommitted("test-consumer", "new")).isTrue();

        OutboxRetention.Purged purged = OutboxRetention.builder(outbox).deadLetters(Duration.ofDays(30))
                .inbox(Duration.ofDays(30)).build().purge();

        assertThat(purged.deadLetters()).isEqualTo(3);
        assertThat(purged.inboxRecords()).isEqualTo(3);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isEqualTo(1);
        assertThat(recordCommitted("test-consumer", "new")).isFalse();
        assertThat(recordCommitted("test-consumer", "old-0")).as("forgotten, so processed again").isTrue();
        assertThatThrownBy(() -> OutboxRetention.builder(outbox).build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> OutboxRetention.builder(outbox).inbox(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inbox");
    }

    /** A recursive payload type, as a deeply nested document would target. */
    public record Tree(List<Tree> children) {
    }

    /** The dialect of the suite's database, as the outbox detected it. */
    private dev.outbox.spi.Dialect dialectOfSuite() {
        try (Connection c = db.connection()) {
            return dev.outbox.jdbc.Dialects.detect(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A payload type for the typed handler. */
    public record Order(String id, int total) {
    }

    protected IdempotentConsumer.Builder consumer(IdempotentConsumer.MessageHandler handler) {
        return IdempotentConsumer.builder("test-consumer").jdbi(db.jdbi()).tables(outbox.tables())
                .deduplicationStore(store).handler(handler)
                .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(10)))
                .deadLetterPolicy(DeadLetterPolicy.afterAttempts(3));
    }

    protected static InboundMessage message(String id, String json) {
        return Envelope.inbound("orders", json.getBytes(StandardCharsets.UTF_8),
                Map.of(Envelope.MESSAGE_ID, id, Envelope.TYPE, "OrderPlaced"), 1);
    }

    private static InboundMessage withAttempt(InboundMessage m, int attempt) {
        return new InboundMessage(m.id(), m.destination(), m.key(), m.type(), m.contentType(), m.payload(),
                m.headers(), m.correlationId(), m.causationId(), m.traceparent(), m.tracestate(), m.createdAt(),
                attempt);
    }

    private static void effect(Handle h, InboundMessage m, String note) {
        h.execute("INSERT INTO effects (message_id, note) VALUES (?, ?)", m.id(), note);
    }

    private boolean recordCommitted(String consumer, String id) {
        return db.jdbi().inTransaction(h -> store.record(h, consumer, id));
    }

    private int effects() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM effects").mapTo(Integer.class).one());
    }

    private int distinctEffects() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT message_id) FROM effects")
                .mapTo(Integer.class).one());
    }
}
