package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.DestinationStats;
import dev.outbox.IdempotentConsumer;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfigurationException;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.OutboxStats;
import dev.outbox.PoisonMessageException;
import dev.outbox.ReplayReport;
import dev.outbox.jdbc.Dialects;
import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.PublishResult;
import dev.outbox.spi.RetryPolicy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the relay guarantees, run against a real database with in-memory publishers that fail on purpose:
 * every committed message is acked or dead-lettered, nothing uncommitted is published, retries back off, dead
 * letters replay with their id, dead relays' claims are taken over, close drains, and ordered relays keep per-key
 * order across instances. A dialect's relay test is a few lines extending this class.
 */
public abstract class RelayContract extends DatabaseContract {
    private static final Duration WAIT = Duration.ofSeconds(45);

    private final List<OutboxRelay> relays = new ArrayList<>();

    @Override
    protected Outbox.Builder configure(Outbox.Builder builder) {
        return builder.partitions(8);
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            for (String table : List.of(outbox.tables().message(), outbox.tables().deadLetter(),
                    outbox.tables().partitionLease(), outbox.tables().relayInstance())) {
                s.executeUpdate("DELETE FROM " + table);
            }
        }
    }

    @AfterEach
    void closeRelays() {
        relays.forEach(r -> r.close(Duration.ofSeconds(5)));
        relays.clear();
    }

    /** A relay with test-friendly timings, registered to be closed after the test. */
    protected OutboxRelay.Builder relay(MessagePublisher publisher) {
        return OutboxRelay.builder(outbox).publisher(publisher)
                .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(50)))
                .maxPollInterval(Duration.ofMillis(200));
    }

    protected OutboxRelay started(OutboxRelay.Builder builder) {
        OutboxRelay relay = builder.build();
        relays.add(relay);
        relay.start();
        return relay;
    }

    @Test
    void everyCommittedMessageIsPublishedInBatchesAndDeleted() throws SQLException {
        List<UUID> committed = write(1200, i -> message("k" + (i % 50)));
        rolledBackWrite(message("doomed").type("RolledBack"));
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher).batchSize(100));

        await().atMost(WAIT).until(() -> pending() == 0 && publisher.acked().size() >= 1200);
        assertThat(publisher.acked()).extracting(OutboundMessage::id).containsExactlyInAnyOrderElementsOf(committed);
        assertThat(publisher.acked()).noneMatch(m -> "RolledBack".equals(m.type()));
        assertThat(publisher.largestBatch()).isLessThanOrEqualTo(100);
        assertThat(publisher.batches()).isGreaterThanOrEqualTo(12);
        assertThat(outbox.admin().stats().lastPublishedAt()).isNotNull();
    }

    @Test
    void aMessageWhoseTransactionCommitsAfterLaterOnesWereClaimedIsPublished() throws Exception {
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher));
        try (Connection late = db.connection()) {
            late.setAutoCommit(false);
            UUID lateId = outbox.write(late, message("late").build());
            // Older than the relay's claim floor lag (1 s): only its periodic scan from the bottom finds this row.
            Thread.sleep(1_500);
            for (int round = 0; round < 3; round++) {
                List<UUID> later = write(50, i -> message("k" + i));
                await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(later));
            }
            // Claims now start above the late message's available_at (it was written first).
            late.commit();
            outbox.committed();
            await().atMost(WAIT).until(() -> ackedIds(publisher).contains(lateId));
        }
        assertThat(pending()).isZero();
    }

    @Test
    void failedPublishIsRetriedAfterBackoffThenDeleted() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> n <= 2
                ? PublishResult.failed(m.id(), new IllegalStateException("broker unavailable " + n))
                : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).retryPolicy(RetryPolicy.fixed(Duration.ofMillis(300))));

        await().atMost(WAIT).until(() -> publisher.acked().size() == 1 && pending() == 0);
        List<ScriptedPublisher.Attempt> attempts = publisher.attemptsOf(id);
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(1).message().attempts()).isEqualTo(1);
        assertThat(attempts.get(2).message().attempts()).isEqualTo(2);
        assertThat(Duration.between(attempts.get(0).at(), attempts.get(1).at())).isGreaterThanOrEqualTo(
                Duration.ofMillis(290));
        assertThat(Duration.between(attempts.get(1).at(), attempts.get(2).at())).isGreaterThanOrEqualTo(
                Duration.ofMillis(290));
    }

    @Test
    void failingMessageRecordsAttemptsAndLastError() throws SQLException {
        write(1, i -> message("k"));
        ScriptedPublisher publisher = new ScriptedPublisher(
                (m, n) -> PublishResult.failed(m.id(), new IllegalStateException("connection refused")),
                Duration.ZERO);
        started(relay(publisher).retryPolicy(RetryPolicy.fixed(Duration.ofHours(1))));

        await().atMost(WAIT).until(() -> publisher.attempts().size() == 1 && column("attempts").equals("1"));
        assertThat(column("last_error")).contains("IllegalStateException").contains("connection refused");
    }

    @Test
    void messageIsDeadLetteredAfterMaxAttemptsAndReplayedWithItsId() throws SQLException {
        UUID poison = write(1, i -> message("p").type("Poison")).get(0);
        List<UUID> healthy = write(20, i -> message("h" + i));
        Set<UUID> cured = ConcurrentHashMap.newKeySet();
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> "Poison".equals(m.type())
                && !cured.contains(m.id())
                ? PublishResult.failed(m.id(), new IllegalArgumentException("schema mismatch"))
                : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).deadLetterPolicy(DeadLetterPolicy.afterAttempts(3)));

        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.all()) == 1);
        assertThat(publisher.acked()).extracting(OutboundMessage::id).containsAll(healthy);
        DeadLetter dead = outbox.admin().deadLetters(DeadLetterFilter.all(), 10).get(0);
        assertThat(dead.message().id()).isEqualTo(poison);
        assertThat(dead.attempts()).isEqualTo(3);
        assertThat(dead.lastError()).contains("IllegalArgumentException: schema mismatch");
        assertThat(dead.origin()).isEqualTo("relay");
        assertThat(publisher.attemptsOf(poison)).hasSize(3);
        assertThat(pending()).isZero();

        cured.add(poison);
        assertThat(outbox.admin().replay(poison)).isTrue();
        await().atMost(WAIT).until(() -> publisher.acked().stream().anyMatch(m -> m.id().equals(poison)));
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isZero();
        OutboundMessage replayed = publisher.acked().stream().filter(m -> m.id().equals(poison)).findFirst()
                .orElseThrow();
        assertThat(replayed.type()).isEqualTo("Poison");
        assertThat(replayed.attempts()).isZero();
    }

    @Test
    void rejectedMessageIsDeadLetteredAtOnceWithTheReason() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher publisher = new ScriptedPublisher(
                (m, n) -> PublishResult.rejected(m.id(), "record too large for topic orders"), Duration.ZERO);
        started(relay(publisher));

        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.byId(id)) == 1);
        assertThat(publisher.attemptsOf(id)).hasSize(1);
        assertThat(outbox.admin().deadLetters(DeadLetterFilter.byId(id), 1).get(0).lastError())
                .contains("record too large for topic orders");
    }

    @Test
    void brokerOutageRetriesWithoutUsingUpAttempts() throws SQLException {
        List<UUID> ids = write(20, i -> message("k" + i));
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> n <= 6
                ? PublishResult.failed(m.id(), new BrokerUnavailableException("connection refused", null))
                : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).deadLetterPolicy(DeadLetterPolicy.afterAttempts(2))
                .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(20))));

        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(ids));
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isZero();
        assertThat(publisher.attemptsOf(ids.get(0))).hasSize(7);
    }

    @Test
    void deadLettersCanBeFilteredCountedAndPurged() throws SQLException {
        write(3, i -> message("k" + i).type(i == 0 ? "A" : "B"));
        ScriptedPublisher publisher = new ScriptedPublisher(
                (m, n) -> PublishResult.rejected(m.id(), "no such destination"), Duration.ZERO);
        started(relay(publisher));
        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.all()) == 3);

        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all().withType("B"))).isEqualTo(2);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all().withKey("k0"))).isEqualTo(1);
        assertThat(outbox.admin().purge(DeadLetterFilter.all().withType("B"))).isEqualTo(2);
        assertThat(outbox.admin().deadLetters(DeadLetterFilter.all(), 10)).extracting(d -> d.message().type())
                .containsExactly("A");
    }

    @Test
    void claimsOfACrashedRelayAreTakenOverWhenItsSessionEnds() throws SQLException {
        List<UUID> ids = write(10, i -> message("k" + i));
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        Connection crashed = db.connection();
        try {
            // What a relay that dies mid-publish leaves: its claim transaction holds the rows' locks.
            crashed.setAutoCommit(false);
            try (Statement s = crashed.createStatement()) {
                s.executeQuery("SELECT seq FROM " + outbox.tables().message() + " FOR UPDATE").close();
            }
            started(relay(publisher));
            await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> publisher.attempts().isEmpty());
        } finally {
            crashed.rollback();
            crashed.close();
        }
        await().atMost(WAIT).until(() -> publisher.acked().size() == 10);
        assertThat(publisher.acked()).extracting(OutboundMessage::id).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void closeDrainsBatchesInFlight() throws SQLException {
        write(200, i -> message("k" + i));
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> PublishResult.acked(m.id()),
                Duration.ofMillis(500));
        OutboxRelay relay = started(relay(publisher).batchSize(50));
        await().atMost(WAIT).until(() -> publisher.batches() >= 1);

        relay.close(Duration.ofSeconds(10));
        Set<UUID> acked = publisher.acked().stream().map(OutboundMessage::id).collect(Collectors.toSet());
        assertThat(acked).isNotEmpty();
        assertThat(remainingIds()).doesNotContainAnyElementsOf(acked);
        assertThat(outbox.admin().stats().inFlight()).isZero();
    }

    @Test
    void commitWakesTheRelayBeforeItsPollInterval() throws SQLException {
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        write(1, i -> message("priming"));
        started(relay(publisher).minPollInterval(Duration.ofSeconds(10)).maxPollInterval(Duration.ofSeconds(10)));
        // Once the priming message is acked and the relay has claimed again, it waits its 10 s poll interval.
        await().atMost(WAIT).until(() -> publisher.acked().size() == 1 && pending() == 0);
        // Nothing else to publish: the relay has gone back to waiting for its (long) poll interval.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 1);

        Instant start = Instant.now();
        db.jdbi().useTransaction(handle -> outbox.write(handle, message("wake").build()));
        await().atMost(Duration.ofSeconds(5)).until(() -> publisher.acked().size() == 2);
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void retentionKeepsPublishedRowsForTheWindowThenPurgesThem() throws SQLException {
        write(5, i -> message("k" + i));
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher).retention(Duration.ofSeconds(2)));

        await().atMost(WAIT).until(() -> publisher.acked().size() == 5);
        assertThat(count()).isEqualTo(5);
        assertThat(outbox.admin().stats().pending()).isZero();
        await().atMost(WAIT).until(() -> count() == 0);
        assertThat(publisher.acked()).hasSize(5);
    }

    @Test
    void statsShowPendingAgeAndDeadLetters() throws SQLException {
        write(3, i -> message("k" + i));
        OutboxStats stats = outbox.admin().stats();
        assertThat(stats.pending()).isEqualTo(3);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.deadLetters()).isZero();
        assertThat(stats.oldestPendingAge()).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void aReplayDoesNotChaseAMessageThatIsDeadLetteredAgainWhileItRuns() throws SQLException {
        write(1, i -> message("k"));
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> PublishResult.rejected(m.id(), "no such topic"),
                Duration.ZERO);
        started(relay(publisher).minPollInterval(Duration.ofMillis(1)));
        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.all()) == 1);
        for (int i = 0; i < 5; i++) {
            assertThat(outbox.admin().replay(DeadLetterFilter.all()).replayed()).as("replay %d", i).isEqualTo(1);
            await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.all()) == 1
                    && outbox.admin().stats().pending() == 0);
        }
    }

    @Test
    void adminGroupsPendingByDestinationAndDeadLettersByOriginAndErrorClass() throws SQLException {
        write(2, i -> message("k" + i).destination("payments"));
        write(1, i -> message("later").destination("payments").delay(Duration.ofHours(1)));
        write(3, i -> message("r" + i).destination("refunds"));
        List<DestinationStats> pending = outbox.admin().pendingByDestination();
        assertThat(pending).extracting(DestinationStats::destination).containsExactly("payments", "refunds");
        assertThat(pending.get(0)).satisfies(p -> {
            assertThat(p.pending()).isEqualTo(3);
            assertThat(p.availableNow()).isEqualTo(2);
            assertThat(p.waiting()).isEqualTo(1);
            assertThat(p.retrying()).isZero();
        });

        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> m.destination().equals("refunds")
                ? PublishResult.rejected(m.id(), "no such topic") : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher));
        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.all()) == 3);
        assertThat(outbox.admin().deadLetterGroups(DeadLetterFilter.all())).singleElement().satisfies(g -> {
            assertThat(g.origin()).isEqualTo(DeadLetter.RELAY_ORIGIN);
            assertThat(g.count()).isEqualTo(3);
            assertThat(g.firstFailedAt()).isNotNull();
            assertThat(g.lastFailedAt()).isAfterOrEqualTo(g.firstFailedAt());
        });
        assertThat(outbox.admin().deadLetterGroups(DeadLetterFilter.all().withOrigin("billing"))).isEmpty();
    }

    @Test
    void orderedRelaysKeepPerKeyOrderAcrossInstancesWithRandomFailures() throws SQLException {
        Random random = new Random(42);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> {
            synchronized (random) {
                return random.nextInt(100) < 20
                        ? PublishResult.failed(m.id(), new IllegalStateException("flaky broker"))
                        : PublishResult.acked(m.id());
            }
        }, Duration.ofMillis(2));
        for (int i = 0; i < 3; i++) {
            started(relay(publisher).ordering(Ordering.BY_KEY).batchSize(50).relayId("ordered-" + i)
                    .leaseTimeout(Duration.ofSeconds(6)).publishTimeout(Duration.ofSeconds(3))
                    .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(20))));
        }
        Map<String, List<UUID>> written = new LinkedHashMap<>();
        for (int round = 0; round < 20; round++) {
            List<OutboxMessage.Builder> batch = new ArrayList<>();
            for (int k = 0; k < 30; k++) {
                batch.add(message("key-" + k));
            }
            List<UUID> ids = write(batch);
            for (int k = 0; k < 30; k++) {
                written.computeIfAbsent("key-" + k, x -> new ArrayList<>()).add(ids.get(k));
            }
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> pending() == 0);
        Map<String, List<UUID>> published = publisher.acked().stream().collect(Collectors.groupingBy(
                OutboundMessage::key, LinkedHashMap::new, Collectors.mapping(OutboundMessage::id, Collectors.toList())));
        assertThat(published.keySet()).containsExactlyInAnyOrderElementsOf(written.keySet());
        written.forEach((key, ids) -> assertThat(published.get(key)).as("publish order of %s", key)
                .containsExactlyElementsOf(ids));
        assertThat(publisher.attempts()).anyMatch(a -> a.result() instanceof PublishResult.Failed);
    }

    @Test
    void orderedRelaysShareThePartitionsFairly() {
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        for (int i = 0; i < 2; i++) {
            started(relay(publisher).ordering(Ordering.BY_KEY).relayId("fair-" + i)
                    .leaseTimeout(Duration.ofSeconds(3)).publishTimeout(Duration.ofSeconds(1)));
        }
        await().atMost(WAIT).until(() -> leaseCounts().equals(Map.of("fair-0", 4, "fair-1", 4)));
    }

    @Test
    void failingHeadBlocksOnlyItsKeyAndSkipPolicyMovesOn() throws SQLException {
        String neighbour = IntStream.range(0, 1000).mapToObj(i -> "B" + i)
                .filter(k -> outbox.partitionOf(k) == outbox.partitionOf("A")).findFirst().orElseThrow();
        List<UUID> a = write(3, i -> message("A"));
        List<UUID> b = write(3, i -> message(neighbour));
        UUID firstA = a.get(0);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> m.id().equals(firstA)
                ? PublishResult.failed(m.id(), new IllegalStateException("bad"))
                : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).ordering(Ordering.BY_KEY).relayId("skip")
                .deadLetterPolicy(DeadLetterPolicy.afterAttempts(4))
                .retryPolicy(RetryPolicy.fixed(Duration.ofMillis(300))));

        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(b));
        assertThat(ackedIds(publisher)).doesNotContainAnyElementsOf(a);
        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(a.subList(1, 3)));
        assertThat(ackedIds(publisher)).doesNotContain(firstA);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.byId(firstA))).isEqualTo(1);
    }

    @Test
    void blockPolicyHoldsTheKeyUntilReplay() throws SQLException {
        List<UUID> a = write(3, i -> message("A"));
        UUID firstA = a.get(0);
        Set<UUID> cured = ConcurrentHashMap.newKeySet();
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> m.id().equals(firstA) && !cured.contains(firstA)
                ? PublishResult.rejected(m.id(), "bad")
                : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).ordering(Ordering.BY_KEY).relayId("block")
                .deadLetterPolicy(DeadLetterPolicy.defaults().blockKey()));
        List<UUID> other = write(2, i -> message("C"));

        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.byId(firstA)) == 1
                && ackedIds(publisher).containsAll(other));
        await().during(Duration.ofMillis(800)).atMost(WAIT)
                .until(() -> ackedIds(publisher).stream().noneMatch(a::contains));

        cured.add(firstA);
        outbox.admin().replay(firstA);
        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(a));
        assertThat(publisher.acked().stream().filter(m -> "A".equals(m.key())).map(OutboundMessage::id))
                .containsExactlyElementsOf(a);
    }

    @Test
    void builderRejectsInconsistentSettingsNamingThem() {
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        assertThatThrownBy(() -> OutboxRelay.builder(outbox).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("publisher");
        assertThatThrownBy(() -> OutboxRelay.builder(outbox).publisher(publisher).batchSize(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> OutboxRelay.builder(outbox).publisher(publisher)
                .publishTimeout(Duration.ofMinutes(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTimeout");
    }

    // Hostile input and misbehaving collaborators: nothing may stop the relay, leak a connection or lose a message.

    @Test
    void keylessMessagesFlowThroughAnOrderedRelay() throws SQLException {
        List<UUID> keyless = write(5, i -> message(null));
        List<UUID> keyed = write(5, i -> message("k" + i));
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher).ordering(Ordering.BY_KEY).relayId("keyless"));

        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(keyless) && ackedIds(publisher).containsAll(keyed));
        assertThat(pending()).isZero();
    }

    @Test
    void keylessMessagesFlowThroughAnOrderedRelayThatBlocksKeys() throws SQLException {
        UUID bad = write(1, i -> message("blocked")).get(0);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> m.id().equals(bad)
                ? PublishResult.rejected(m.id(), "bad") : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).ordering(Ordering.BY_KEY).relayId("keyless-block")
                .deadLetterPolicy(DeadLetterPolicy.defaults().blockKey()));
        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.byId(bad)) == 1);
        List<UUID> keyless = write(5, i -> message(null));

        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(keyless));
    }

    @Test
    void closeShorterThanABatchRollsItsClaimBackAndReturnsEveryConnection() throws SQLException {
        write(20, i -> message("k" + i));
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> PublishResult.acked(m.id()),
                Duration.ofSeconds(5));
        OutboxRelay relay = started(relay(publisher).maxInFlightBatches(1).listenForNotifications(false));
        await().atMost(WAIT).until(() -> publisher.batches() == 1);

        relay.close(Duration.ofMillis(200));

        assertThat(db.activeConnections()).as("connections held after close").isZero();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM (SELECT seq FROM "
                    + outbox.tables().message() + " FOR UPDATE SKIP LOCKED) claimable")) {
                rs.next();
                assertThat(rs.getInt(1)).as("rows claimable at once after close").isEqualTo(20);
            } finally {
                c.rollback();
            }
        }
        assertThat(column("attempts")).isEqualTo("0");
    }

    @Test
    void claimsAreBoundedByBytesAndALargerMessageIsPublishedAlone() throws SQLException {
        List<UUID> small = write(10, i -> message("k" + i).rawPayload(new byte[100 * 1024]));
        UUID large = write(1, i -> message("large").rawPayload(new byte[300 * 1024])).get(0);
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher).maxBatchBytes(256 * 1024).maxInFlightBatches(1));

        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(small) && ackedIds(publisher).contains(large));
        assertThat(publisher.largestBatch()).isLessThanOrEqualTo(2);
        assertThat(publisher.batchIds()).filteredOn(batch -> batch.contains(large)).containsExactly(List.of(large));
    }

    @Test
    void aRetryPolicyThatThrowsFallsBackToTheDefaultBackoffAndCountsTheAttempt() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> n == 1
                ? PublishResult.failed(m.id(), new IllegalStateException("first try fails"))
                : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).listenForNotifications(false).retryPolicy(failures -> {
            throw new IllegalStateException("a retry policy with a bug");
        }));

        await().atMost(WAIT).until(() -> ackedIds(publisher).contains(id));
        assertThat(publisher.attemptsOf(id).get(1).message().attempts()).isEqualTo(1);
        await().atMost(WAIT).until(() -> db.activeConnections() == 0);
    }

    @Test
    void aDeadLetterDestinationFunctionThatThrowsStillDeadLettersTheMessage() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> PublishResult.rejected(m.id(), "no"),
                Duration.ZERO);
        started(relay(publisher).listenForNotifications(false).deadLetterPolicy(DeadLetterPolicy.afterAttempts(1)
                .alsoPublishTo(d -> {
            throw new IllegalStateException("a destination function with a bug");
        })));

        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.byId(id)) == 1);
        assertThat(pending()).isZero();
        await().atMost(WAIT).until(() -> db.activeConnections() == 0);
    }

    @Test
    void aPublisherThatThrowsFailsItsBatchAndCountsAnAttempt() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher acking = ScriptedPublisher.acking();
        AtomicInteger calls = new AtomicInteger();
        started(relay(batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("publisher bug");
            }
            return acking.publish(batch);
        }));

        await().atMost(WAIT).until(() -> ackedIds(acking).contains(id));
        assertThat(acking.attemptsOf(id).get(0).message().attempts()).isEqualTo(1);
    }

    @Test
    void aPublisherThatReturnsNullFailsItsBatchAndCountsAnAttempt() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher acking = ScriptedPublisher.acking();
        AtomicInteger calls = new AtomicInteger();
        started(relay(batch -> calls.incrementAndGet() == 1 ? null : acking.publish(batch)));

        await().atMost(WAIT).until(() -> ackedIds(acking).contains(id));
        assertThat(acking.attemptsOf(id).get(0).message().attempts()).isEqualTo(1);
    }

    @Test
    void aPublisherThatNeverAnswersFailsItsBatchAfterThePublishTimeout() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher acking = ScriptedPublisher.acking();
        AtomicInteger calls = new AtomicInteger();
        started(relay(batch -> calls.incrementAndGet() == 1 ? new CompletableFuture<>() : acking.publish(batch))
                .publishTimeout(Duration.ofSeconds(1)).leaseTimeout(Duration.ofSeconds(10)));

        await().atMost(WAIT).until(() -> ackedIds(acking).contains(id));
        assertThat(acking.attemptsOf(id).get(0).message().attempts()).isEqualTo(1);
        assertThat(outbox.admin().stats().inFlight()).isZero();
    }

    @Test
    void aPublisherThatBlocksInsidePublishDoesNotStallTheRelay() throws SQLException {
        UUID id = write(1, i -> message("k")).get(0);
        ScriptedPublisher acking = ScriptedPublisher.acking();
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        started(relay(batch -> {
            if (calls.incrementAndGet() == 1) {
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return acking.publish(batch);
        }).publishTimeout(Duration.ofSeconds(1)).leaseTimeout(Duration.ofSeconds(10)));

        await().atMost(WAIT).until(() -> ackedIds(acking).contains(id));
        assertThat(acking.attemptsOf(id).get(0).message().attempts()).as("the stuck call counted an attempt")
                .isEqualTo(1);
        assertThat(outbox.admin().stats().inFlight()).isZero();
        never.countDown();
    }

    @Test
    void aPublisherThatAnswersForTheWrongMessagesFailsOnlyTheUnanswered() throws SQLException {
        List<UUID> ids = write(4, i -> message("k" + i));
        Set<UUID> answeredOnce = ConcurrentHashMap.newKeySet();
        List<UUID> acked = new java.util.concurrent.CopyOnWriteArrayList<>();
        started(relay(batch -> {
            List<PublishResult> results = new ArrayList<>();
            for (OutboundMessage m : batch) {
                if (m.attempts() > 0 || answeredOnce.add(m.id()) && ids.indexOf(m.id()) % 2 == 0) {
                    results.add(PublishResult.acked(m.id()));
                    acked.add(m.id());
                }
            }
            results.add(PublishResult.acked(UUID.randomUUID()));
            results.add(null);
            return CompletableFuture.completedFuture(results);
        }).maxInFlightBatches(1));

        await().atMost(WAIT).until(() -> pending() == 0);
        assertThat(acked).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isZero();
    }

    @Test
    void startRefusesAPoolTooSmallForTheRelayAndNamesTheFix() throws SQLException {
        try (HikariDataSource small = db.pool("small", 3); HikariDataSource relayPool = db.pool("relay", 4)) {
            Outbox shared = builder().dataSource(small).build();
            OutboxRelay tooMany = OutboxRelay.builder(shared).publisher(ScriptedPublisher.acking()).build();
            assertThatThrownBy(tooMany::start).isInstanceOf(OutboxConfigurationException.class)
                    .hasMessageContaining("maximumPoolSize=3").hasMessageContaining("maxInFlightBatches")
                    .hasMessageContaining("dataSource(");
            assertThatCode(tooMany::close).as("closing a relay whose start failed").doesNotThrowAnyException();

            UUID id = write(1, i -> message("own-pool")).get(0);
            ScriptedPublisher publisher = ScriptedPublisher.acking();
            started(OutboxRelay.builder(shared).publisher(publisher).dataSource(relayPool).maxInFlightBatches(2)
                    .maxPollInterval(Duration.ofMillis(200)));
            await().atMost(WAIT).until(() -> ackedIds(publisher).contains(id));
        }
    }

    @Test
    void aRelayOnItsOwnPoolTakesNoConnectionOfTheApplication() throws SQLException {
        write(20, i -> message("k" + i));
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> PublishResult.acked(m.id()),
                Duration.ofSeconds(1));
        try (HikariDataSource relayPool = db.pool("own", 6)) {
            started(relay(publisher).dataSource(relayPool).batchSize(5).listenForNotifications(false));
            await().atMost(WAIT).until(() -> publisher.batches() >= 2);
            assertThat(db.activeConnections()).isZero();
            await().atMost(WAIT).until(() -> pending() == 0);
        }
    }

    @Test
    void claimsThatKeepFailingBackOffAndAreReported() {
        List<Instant> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Integer> counts = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestDatabase empty = server().createDatabase("no_tables")) {
            OutboxRelay relay = started(relay(ScriptedPublisher.acking()).jdbi(empty.jdbi()).maxInFlightBatches(1)
                    .listenForNotifications(false).listener(new OutboxListener() {
                        @Override
                        public void claimFailed(Throwable cause, int consecutiveFailures) {
                            failures.add(Instant.now());
                            counts.add(consecutiveFailures);
                        }
                    }));
            await().atMost(WAIT).until(() -> failures.size() >= 3);
            relay.close(Duration.ofSeconds(5));
        }
        assertThat(counts.subList(0, 3)).containsExactly(1, 2, 3);
        assertThat(Duration.between(failures.get(1), failures.get(2)))
                .isGreaterThan(Duration.between(failures.get(0), failures.get(1)));
    }

    @Test
    void aRowWhoseHeadersCannotBeReadIsDeadLetteredAndTheOthersFlow() throws SQLException {
        List<UUID> ids = write(3, i -> message("k" + i).header("tenant", "acme"));
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE " + outbox.tables().message() + " SET headers = 'not json' WHERE seq = (SELECT MIN(seq) "
                    + "FROM (SELECT seq FROM " + outbox.tables().message() + ") m)");
        }
        ScriptedPublisher publisher = ScriptedPublisher.acking();
        started(relay(publisher));

        await().atMost(WAIT).until(() -> pending() == 0);
        assertThat(ackedIds(publisher)).containsExactlyInAnyOrderElementsOf(ids.subList(1, 3));
        DeadLetter dead = outbox.admin().deadLetters(DeadLetterFilter.all(), 10).get(0);
        assertThat(dead.message().id()).isEqualTo(ids.get(0));
        assertThat(dead.lastError()).contains("headers column");
    }

    @Test
    void aFailureReasonWithControlCharactersAndValuesIsStoredCleanly() throws SQLException {
        write(1, i -> message("k"));
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> PublishResult.failed(m.id(),
                new IllegalStateException("broker said \u0000no\r\nforged: line")), Duration.ZERO);
        started(relay(publisher).retryPolicy(RetryPolicy.fixed(Duration.ofHours(1))));

        await().atMost(WAIT).until(() -> column("attempts").equals("1"));
        assertThat(column("last_error")).contains("broker said  no").doesNotContain("\n").doesNotContain("\u0000");
    }

    @Test
    void aBlockedKeyHoldsOnlyItselfNotKeysThatDifferInCaseOrTrailingSpace() throws SQLException {
        UUID bad = write(1, i -> message("Order-1")).get(0);
        ScriptedPublisher publisher = new ScriptedPublisher((m, n) -> m.id().equals(bad)
                ? PublishResult.rejected(m.id(), "bad") : PublishResult.acked(m.id()), Duration.ZERO);
        started(relay(publisher).ordering(Ordering.BY_KEY).relayId("case")
                .deadLetterPolicy(DeadLetterPolicy.defaults().blockKey()));
        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.byId(bad)) == 1);
        List<UUID> others = write(List.of(message("order-1"), message("ORDER-1"), message("Order-1 ")));
        UUID held = write(1, i -> message("Order-1")).get(0);

        await().atMost(WAIT).until(() -> ackedIds(publisher).containsAll(others));
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> !ackedIds(publisher).contains(held));
    }

    @Test
    void replayReportsWhatCannotBeReplayedAndGoesOn() throws SQLException {
        List<UUID> ids = write(3, i -> message("k" + i));
        ScriptedPublisher rejecting = new ScriptedPublisher((m, n) -> PublishResult.rejected(m.id(), "no"),
                Duration.ZERO);
        OutboxRelay relay = started(relay(rejecting));
        await().atMost(WAIT).until(() -> outbox.admin().countDeadLetters(DeadLetterFilter.all()) == 3);
        relay.close(Duration.ofSeconds(5));
        IdempotentConsumer consumer = IdempotentConsumer.builder("billing").jdbi(db.jdbi()).tables(outbox.tables())
                .deadLetterToDatabase(true).handler((m, h) -> {
                    throw new PoisonMessageException("bad");
                }).build();
        consumer.process(dev.outbox.spi.Envelope.inbound("orders", new byte[0],
                Map.of(dev.outbox.spi.Envelope.MESSAGE_ID, UUID.randomUUID().toString()), 1));
        assertThat(outbox.admin().replay(ids.get(0))).isTrue();
        copyDeadLetter(ids.get(1));

        List<Long> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        ReplayReport report = outbox.admin().replay(DeadLetterFilter.all(), (done, total) -> progress.add(done));

        assertThat(report.replayed()).isEqualTo(2);
        assertThat(report.skipped()).extracting(ReplayReport.Skipped::reason).anySatisfy(r -> assertThat(r)
                .contains("consumer 'billing'")).anySatisfy(r -> assertThat(r).contains("already pending"));
        assertThat(progress).isNotEmpty();
        assertThat(remainingIds()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all().withOrigin("billing"))).isEqualTo(1);
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all().withOrigin(DeadLetter.RELAY_ORIGIN)))
                .isEqualTo(1);
        assertThat(outbox.admin().replay(DeadLetterFilter.all().withOrigin("billing")).replayed()).isEqualTo(1);
    }

    /** A second dead letter of the same message, as a replay that failed again leaves. */
    private void copyDeadLetter(UUID id) throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            String table = outbox.tables().deadLetter();
            String columns = "seq, id, origin, destination, routing_key, message_key, partition_no, message_type,"
                    + " content_type, payload, headers, correlation_id, causation_id, traceparent, tracestate,"
                    + " created_at, attempts, last_error, error_class, failed_at, blocks_key";
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + columns + ") SELECT "
                    + columns + " FROM " + table + " WHERE id = ?")) {
                Dialects.detect(c).setUuid(ps, 1, id);
                ps.executeUpdate();
            }
        }
    }

    private static Set<UUID> ackedIds(ScriptedPublisher publisher) {
        return publisher.acked().stream().map(OutboundMessage::id).collect(Collectors.toSet());
    }

    protected static OutboxMessage.Builder message(String key) {
        return OutboxMessage.builder().destination("orders").key(key).type("OrderPlaced")
                .rawPayload(new byte[200]);
    }

    protected List<UUID> write(int n, java.util.function.IntFunction<OutboxMessage.Builder> messages)
            throws SQLException {
        return write(IntStream.range(0, n).mapToObj(messages).toList());
    }

    protected List<UUID> write(List<OutboxMessage.Builder> messages) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            List<UUID> ids = outbox.writeAll(c, messages.stream().map(OutboxMessage.Builder::build).toList());
            c.commit();
            outbox.committed();
            return ids;
        }
    }

    private void rolledBackWrite(OutboxMessage.Builder message) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            outbox.write(c, message.build());
            c.rollback();
        }
    }

    protected long pending() {
        return outbox.admin().stats().pending();
    }

    private long count() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + outbox.tables().message())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String column(String name) throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + name + " FROM " + outbox.tables().message())) {
            return rs.next() ? rs.getString(1) : "<no row>";
        }
    }

    private Set<UUID> remainingIds() throws SQLException {
        Set<UUID> ids = new java.util.HashSet<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + outbox.tables().message())) {
            Dialect dialect = Dialects.detect(c);
            while (rs.next()) {
                ids.add(dialect.getUuid(rs, "id"));
            }
        }
        return ids;
    }

    private Map<String, Integer> leaseCounts() throws SQLException {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT lease_owner, COUNT(*) FROM " + outbox.tables().partitionLease()
                     + " WHERE lease_owner IS NOT NULL GROUP BY lease_owner")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
        }
        return counts;
    }
}
