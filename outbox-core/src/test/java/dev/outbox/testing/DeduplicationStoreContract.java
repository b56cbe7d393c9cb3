package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.jdbc.JdbcDeduplicationStore;
import dev.outbox.spi.DeduplicationStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the deduplication store guarantees on a real database: a message id is recorded once per consumer, in the
 * caller's transaction, compared exactly (case, accents and trailing spaces count); a rolled-back record is
 * forgotten; purges remove any backlog. A dialect's test (or a custom store's) is a few lines extending this class;
 * the consumer built on it has {@link IdempotentConsumerContract}.
 */
public abstract class DeduplicationStoreContract extends DatabaseContract {
    private static final Duration WAIT = Duration.ofSeconds(30);

    protected DeduplicationStore store;

    /** The store under test; by default the JDBC store on the suite's database. */
    protected DeduplicationStore createStore() {
        return new JdbcDeduplicationStore(db.jdbi(), outbox.tables(), null, Clock.systemUTC());
    }

    @BeforeAll
    void openStore() {
        store = createStore();
    }

    @BeforeEach
    void emptyInbox() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM " + outbox.tables().inbox());
        }
    }

    @Test
    void anIdIsRecordedOncePerConsumer() {
        assertThat(recordCommitted("billing", "m-1")).isTrue();
        assertThat(recordCommitted("billing", "m-1")).isFalse();
        assertThat(recordCommitted("shipping", "m-1")).isTrue();
        assertThat(recordCommitted("billing", "m-2")).isTrue();
    }

    @Test
    void aRolledBackRecordIsForgotten() {
        db.jdbi().useHandle(h -> {
            h.begin();
            assertThat(store.record(h, "billing", "m-1")).isTrue();
            h.rollback();
        });
        assertThat(recordCommitted("billing", "m-1")).isTrue();
    }

    @Test
    void purgeForgetsRecordsOlderThanTheCutoff() {
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        DeduplicationStore past = new JdbcDeduplicationStore(db.jdbi(), outbox.tables(), null,
                Clock.fixed(longAgo, ZoneOffset.UTC));
        db.jdbi().useTransaction(h -> past.record(h, "billing", "old"));
        assertThat(recordCommitted("billing", "new")).isTrue();

        assertThat(store.purgeOlderThan(Instant.now().minus(Duration.ofDays(7)))).isEqualTo(1);
        assertThat(recordCommitted("billing", "old")).isTrue();
        assertThat(recordCommitted("billing", "new")).isFalse();
    }

    @Test
    void idsThatDifferOnlyInCaseAccentsOrTrailingSpacesAreDistinct() {
        assertThat(recordCommitted("billing", "order-a")).isTrue();
        assertThat(recordCommitted("billing", "ORDER-A")).as("case").isTrue();
        assertThat(recordCommitted("billing", "order-a ")).as("trailing space").isTrue();
        assertThat(recordCommitted("billing", "ordér-a")).as("accent").isTrue();
        assertThat(recordCommitted("Billing", "order-a")).as("consumer name case").isTrue();
        assertThat(recordCommitted("billing", "order-a")).as("the same id again").isFalse();
    }

    @Test
    void purgeRemovesAnyBacklogInBoundedBatches() {
        DeduplicationStore past = new JdbcDeduplicationStore(db.jdbi(), outbox.tables(), null,
                Clock.fixed(Instant.now().minus(Duration.ofDays(30)), ZoneOffset.UTC));
        db.jdbi().useTransaction(h -> {
            for (int i = 0; i < JdbcDeduplicationStore.PURGE_BATCH + 7; i++) {
                past.record(h, "billing", "old-" + i);
            }
        });
        assertThat(store.purgeOlderThan(Instant.now().minus(Duration.ofDays(7))))
                .isEqualTo(JdbcDeduplicationStore.PURGE_BATCH + 7);
    }

    protected boolean recordCommitted(String consumer, String id) {
        return db.jdbi().inTransaction(h -> store.record(h, consumer, id));
    }
}
