package dev.outbox.internal.relay;

import dev.outbox.Ordering;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.RetryPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * A relay's settings, validated once: every check names the builder setting and the fix. Immutable.
 *
 * @param publisher where messages go
 * @param ordering unordered or per key
 * @param batchSize most messages per claim
 * @param maxBatchBytes most bytes (payloads and headers) per claim; one larger message is still claimed alone
 * @param maxInFlight batches published at once, each by its own lane
 * @param leaseTimeout partition lease length; the idle limit of a claim transaction where the database has one
 * @param publishTimeout how long a batch's publish may take before it counts as failed
 * @param minPoll first wait after an empty claim
 * @param maxPoll longest wait between claims while idle
 * @param closeTimeout how long {@code close()} drains in-flight batches
 * @param retention how long published rows are kept (zero: deleted at once)
 * @param retryPolicy backoff between attempts
 * @param deadLetterPolicy when to give up and what the key does then
 * @param listeners relay events
 * @param warnAfterAttempts failed attempts from which retries are logged at WARN
 * @param listen whether to LISTEN for writers' notifications
 * @param relayId identity in leases
 * @param dataSource the relay's own pool, or null to use the outbox's
 * @param jdbi the relay's own database handle (from {@code dataSource} or given), or null to use the outbox's
 */
public record RelaySettings(MessagePublisher publisher, Ordering ordering, int batchSize, long maxBatchBytes,
                            int maxInFlight, Duration leaseTimeout, Duration publishTimeout, Duration minPoll,
                            Duration maxPoll, Duration closeTimeout, Duration retention, RetryPolicy retryPolicy,
                            DeadLetterPolicy deadLetterPolicy, List<OutboxListener> listeners, int warnAfterAttempts,
                            boolean listen, String relayId, DataSource dataSource, Jdbi jdbi) {
    /** Most rows one claim may hold: a bound on the claim query's IN lists and the driver's buffers. */
    public static final int MAX_BATCH_SIZE = 10_000;
    /** Most lanes: each holds a connection while its batch is in flight. */
    public static final int MAX_IN_FLIGHT = 64;
    /** Smallest byte budget: below this every message of a few KB would be a batch of its own. */
    public static final long MIN_BATCH_BYTES = 64 * 1024;

    public RelaySettings {
        if (publisher == null) {
            throw new IllegalStateException("OutboxRelay.builder(outbox).publisher(...) is required: "
                    + "a KafkaPublisher, RabbitPublisher, SqsPublisher or your own MessagePublisher");
        }
        required("ordering", ordering);
        required("retryPolicy", retryPolicy);
        required("deadLetterPolicy", deadLetterPolicy);
        range("batchSize", batchSize, 1, MAX_BATCH_SIZE);
        range("maxInFlightBatches", maxInFlight, 1, MAX_IN_FLIGHT);
        if (maxBatchBytes < MIN_BATCH_BYTES) {
            throw new IllegalArgumentException("OutboxRelay.builder().maxBatchBytes(" + maxBatchBytes
                    + ") must be at least " + MIN_BATCH_BYTES + " bytes");
        }
        positive("leaseTimeout", leaseTimeout);
        positive("publishTimeout", publishTimeout);
        positive("minPollInterval", minPoll);
        positive("maxPollInterval", maxPoll);
        positive("closeTimeout", closeTimeout);
        if (retention == null || retention.isNegative()) {
            throw new IllegalArgumentException("OutboxRelay.builder().retention(" + retention
                    + ") must be zero (delete at once) or positive");
        }
        if (publishTimeout.compareTo(leaseTimeout) >= 0) {
            throw new IllegalArgumentException("OutboxRelay.builder().publishTimeout(" + publishTimeout
                    + ") must be shorter than leaseTimeout(" + leaseTimeout + "), or claims could expire while "
                    + "their publish is still in flight");
        }
        if (maxPoll.compareTo(minPoll) < 0) {
            throw new IllegalArgumentException("OutboxRelay.builder().maxPollInterval(" + maxPoll
                    + ") must be at least minPollInterval(" + minPoll + ")");
        }
        range("warnAfterAttempts", warnAfterAttempts, 1, Integer.MAX_VALUE);
        if (relayId == null || relayId.isBlank() || relayId.length() > 64
                || relayId.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("OutboxRelay.builder().relayId must be 1 to 64 printable characters");
        }
        listeners = List.copyOf(listeners);
    }

    /** Host, pid and a random part: unique per relay, readable in the lease table. */
    public static String defaultRelayId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            host = "host";
        }
        String id = host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }

    private static void required(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("OutboxRelay.builder()." + name + "(null): a value is required");
        }
    }

    private static void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("OutboxRelay.builder()." + name + "(" + value + ") must be between "
                    + min + " and " + max);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("OutboxRelay.builder()." + name + "(" + value + ") must be positive");
        }
    }
}
