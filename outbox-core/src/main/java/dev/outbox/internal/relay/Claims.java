package dev.outbox.internal.relay;

import dev.outbox.DeadLetter;
import dev.outbox.Ordering;
import dev.outbox.internal.Database;
import dev.outbox.internal.DeadLetterStore;
import dev.outbox.internal.Stores;
import dev.outbox.spi.DeadLetterPolicy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Opens claim transactions and records their outcome. A claim is the row lock of a transaction that stays open
 * while its batch is published; the outcome (deletes, reschedules, dead letters) is written in that transaction.
 */
public final class Claims {
    /** Rows an ordered claim reads per batch at most while looking for available key heads. */
    private static final int SCAN_FACTOR = 20;

    private final Database database;
    private final RelaySettings settings;
    private final PartitionLeases leases;
    private final boolean blockKeys;
    private final ClaimFloor floor;

    public Claims(Database database, RelaySettings settings, PartitionLeases leases) {
        this.database = database;
        this.settings = settings;
        this.leases = leases;
        this.floor = new ClaimFloor(settings.maxPoll(), System.nanoTime());
        this.blockKeys = settings.ordering() == Ordering.BY_KEY
                && settings.deadLetterPolicy().keyAfterDeadLetter() == DeadLetterPolicy.KeyAfterDeadLetter.BLOCK;
    }

    /**
     * Claims a batch of at most {@code rows} messages for lane {@code lane} in a new transaction that stays open; null
     * (and no transaction) when there is nothing. Ordered claims of a lane cover only the owned partitions {@code p}
     * with {@code p % lanes == lane}: the lanes of one relay never hold the same keys, so none scans past another's
     * locked heads.
     */
    public Claim open(int lane, int rows, Instant now) throws SQLException {
        long start = System.nanoTime();
        Set<Integer> owned = leases == null ? null : lanePartitions(leases.owned(), lane);
        if (owned != null && owned.isEmpty()) {
            return null;
        }
        RelayStore.Limits limits = new RelayStore.Limits(rows, settings.maxBatchBytes(), settings.batchSize());
        Database.Lease lease = database.lease();
        try {
            Connection c = lease.connection();
            Stores stores = database.stores(c);
            String preamble = stores.dialect().beginClaim(c, settings.leaseTimeout());
            List<Claimed> batch;
            if (owned == null) {
                Instant from = floor.from(System.nanoTime());
                batch = stores.relay().claim(c, preamble, limits, from, now);
                if (!batch.isEmpty()) {
                    floor.found(from, batch.get(0).message().availableAt());
                }
            } else {
                batch = stores.relay().claimHeads(c, preamble, owned, blockKeys ? stores.deadLetters()::blockedKeys
                        : connection -> Set.of(), limits, rows * SCAN_FACTOR, !settings.retention().isZero(), now);
            }
            Claim claim = new Claim(lease, batch, System.nanoTime() - start);
            if (batch.isEmpty()) {
                claim.take();
                claim.rollback();
                return null;
            }
            return claim;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(lease, e);
            throw e;
        }
    }

    private Set<Integer> lanePartitions(Set<Integer> owned, int lane) {
        int lanes = settings.maxInFlight();
        if (lanes == 1) {
            return owned;
        }
        Set<Integer> mine = new TreeSet<>();
        for (int partition : owned) {
            if (partition % lanes == lane) {
                mine.add(partition);
            }
        }
        return mine;
    }

    /** Writes the outcome in the claim's transaction and commits it. On failure the caller rolls back. */
    public void record(Claim claim, BatchOutcome outcome, Instant now) throws SQLException {
        Connection c = claim.connection();
        Stores stores = database.stores(c);
        if (!outcome.acked().isEmpty()) {
            long[] seqs = outcome.acked().stream().mapToLong(Claimed::seq).toArray();
            if (settings.retention().isZero()) {
                stores.relay().delete(c, seqs);
            } else {
                stores.relay().markPublished(c, seqs, now);
            }
        }
        stores.relay().reschedule(c, outcome.retries().stream().map(r -> new RelayStore.Reschedule(r.claim().seq(),
                r.attempts(), DeadLetterStore.truncate(r.error()), r.nextAttemptAt())).toList());
        if (!outcome.dead().isEmpty()) {
            stores.relay().delete(c, outcome.dead().stream().mapToLong(d -> d.claim().seq()).toArray());
            List<DeadLetterStore.Entry> entries = new ArrayList<>(outcome.dead().size());
            for (BatchOutcome.Retry d : outcome.dead()) {
                entries.add(new DeadLetterStore.Entry(d.claim().seq(), d.claim().message(), DeadLetter.RELAY_ORIGIN,
                        d.attempts(), d.error(), d.errorClass(), now, blockKeys && d.claim().message().key() != null));
            }
            stores.deadLetters().insert(c, entries);
        }
        claim.commit();
    }

    /**
     * Counts one failed attempt, in a transaction of its own, for a batch whose outcome could not be recorded, so
     * that a completion that keeps failing backs off (and eventually dead-letters) instead of republishing at once.
     */
    public void countFailedAttempt(List<Claimed> batch, String error, Instant nextAttemptAt) throws SQLException {
        List<Long> seqs = batch.stream().map(Claimed::seq).toList();
        database.withConnection((c, stores) -> stores.relay().countFailedAttempt(c, seqs,
                DeadLetterStore.truncate(error), nextAttemptAt));
    }

    private static void rollbackQuietly(Database.Lease lease, Throwable cause) {
        try {
            lease.connection().rollback();
            lease.connection().setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        } finally {
            lease.close();
        }
    }
}
