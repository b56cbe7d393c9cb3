package dev.outbox.spring;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.TableNames;
import dev.outbox.spi.DeadLetterPolicy;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code outbox.*} properties. Every default is the library's own; see the README's configuration table.
 *
 * <p>A mutable properties bean, bound once at startup and read-only afterwards.
 */
@ConfigurationProperties("outbox")
public class OutboxProperties {
    /** Prefix of the outbox table names. */
    private String tablePrefix = TableNames.DEFAULT_PREFIX;
    /** Database schema of the outbox tables; the connection's current schema when empty. */
    private @Nullable String tableSchema;
    /** Partitions that keys are hashed into; the unit an ordered relay leases. Never change it on a live outbox. */
    private int partitions = Outbox.DEFAULT_PARTITIONS;
    /** Whether writes wake listening relays at commit (PostgreSQL NOTIFY). */
    private boolean notifyRelays = true;
    /** At most one notifying write transaction per this interval; 0 makes every one notify (at most 1s). */
    private Duration notifyInterval = Outbox.DEFAULT_NOTIFY_INTERVAL;
    /** Largest payload accepted by the writer, in bytes. */
    private int maxPayloadBytes = Outbox.DEFAULT_MAX_PAYLOAD_BYTES;

    private final Schema schema = new Schema();
    private final Relay relay = new Relay();
    private final Consumer consumer = new Consumer();
    private final Health health = new Health();

    public String getTablePrefix() {
        return tablePrefix;
    }

    public void setTablePrefix(String tablePrefix) {
        this.tablePrefix = tablePrefix;
    }

    public @Nullable String getTableSchema() {
        return tableSchema;
    }

    public void setTableSchema(@Nullable String tableSchema) {
        this.tableSchema = tableSchema;
    }

    public int getPartitions() {
        return partitions;
    }

    public void setPartitions(int partitions) {
        this.partitions = partitions;
    }

    public boolean isNotifyRelays() {
        return notifyRelays;
    }

    public void setNotifyRelays(boolean notifyRelays) {
        this.notifyRelays = notifyRelays;
    }

    public Duration getNotifyInterval() {
        return notifyInterval;
    }

    public void setNotifyInterval(Duration notifyInterval) {
        this.notifyInterval = notifyInterval;
    }

    public int getMaxPayloadBytes() {
        return maxPayloadBytes;
    }

    public void setMaxPayloadBytes(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    public Schema getSchema() {
        return schema;
    }

    public Relay getRelay() {
        return relay;
    }

    public Consumer getConsumer() {
        return consumer;
    }

    public Health getHealth() {
        return health;
    }

    /** The table names these properties describe. */
    TableNames tables() {
        TableNames tables = TableNames.defaults().withPrefix(tablePrefix);
        return tableSchema == null || tableSchema.isBlank() ? tables : tables.inSchema(tableSchema);
    }

    /** How the outbox tables come to exist. */
    public enum SchemaMode {
        /** Flyway when it is on the class path, else Liquibase when it is, else {@link #CREATE}. */
        AUTO,
        /** A Flyway of the outbox's own, recording its versions in {@code outbox.schema.flyway-table}. */
        FLYWAY,
        /** A Liquibase of the outbox's own, recording its change sets in tables named after the prefix. */
        LIQUIBASE,
        /** {@code outbox.schema().create()} at startup: idempotent, no history table. */
        CREATE,
        /** Nothing: the application migrates (e.g. includes {@code dev/outbox/liquibase/changelog.xml}). */
        NONE
    }

    /** Schema initialisation. */
    public static class Schema {
        /** How the outbox tables are created and upgraded at startup. */
        private SchemaMode mode = SchemaMode.AUTO;
        /**
         * History table of the outbox's own Flyway: apart from the application's, so that its V1 and the outbox's
         * never clash.
         */
        private String flywayTable = "outbox_schema_history";

        public SchemaMode getMode() {
            return mode;
        }

        public void setMode(SchemaMode mode) {
            this.mode = mode;
        }

        public String getFlywayTable() {
            return flywayTable;
        }

        public void setFlywayTable(String flywayTable) {
            this.flywayTable = flywayTable;
        }
    }

    /** The relay. */
    public static class Relay {
        /** Whether this instance runs a relay; false for instances that only write. */
        private boolean enabled = true;
        /** Relay id stored in leases; host name and process id when empty. */
        private @Nullable String id;
        /** NONE publishes in any order; BY_KEY keeps each key's order across instances. */
        private Ordering ordering = Ordering.NONE;
        /** Messages per claimed batch. */
        private int batchSize = OutboxRelay.DEFAULT_BATCH_SIZE;
        /** Batches published concurrently (lanes). */
        private int maxInFlightBatches = OutboxRelay.DEFAULT_MAX_IN_FLIGHT;
        /** Shortest wait between polls of an idle relay. */
        private Duration minPollInterval = OutboxRelay.DEFAULT_MIN_POLL_INTERVAL;
        /** Longest wait between polls of an idle relay. */
        private Duration maxPollInterval = OutboxRelay.DEFAULT_MAX_POLL_INTERVAL;
        /** How long a publish may take before its batch is retried. */
        private Duration publishTimeout = OutboxRelay.DEFAULT_PUBLISH_TIMEOUT;
        /** How long shutdown waits for batches in flight. */
        private Duration closeTimeout = OutboxRelay.DEFAULT_CLOSE_TIMEOUT;
        /** How long published rows are kept (0: deleted at once). */
        private Duration retention = Duration.ZERO;
        /** Whether the relay listens for the writers' notifications (PostgreSQL). */
        private boolean listenForNotifications = true;
        private final Retry retry = Retry.of(Duration.ofMillis(500), Duration.ofMinutes(5));
        private final DeadLetter deadLetter = DeadLetter.of(DeadLetterPolicy.DEFAULT_MAX_ATTEMPTS);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable String getId() {
            return id;
        }

        public void setId(@Nullable String id) {
            this.id = id;
        }

        public Ordering getOrdering() {
            return ordering;
        }

        public void setOrdering(Ordering ordering) {
            this.ordering = ordering;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public int getMaxInFlightBatches() {
            return maxInFlightBatches;
        }

        public void setMaxInFlightBatches(int maxInFlightBatches) {
            this.maxInFlightBatches = maxInFlightBatches;
        }

        public Duration getMinPollInterval() {
            return minPollInterval;
        }

        public void setMinPollInterval(Duration minPollInterval) {
            this.minPollInterval = minPollInterval;
        }

        public Duration getMaxPollInterval() {
            return maxPollInterval;
        }

        public void setMaxPollInterval(Duration maxPollInterval) {
            this.maxPollInterval = maxPollInterval;
        }

        public Duration getPublishTimeout() {
            return publishTimeout;
        }

        public void setPublishTimeout(Duration publishTimeout) {
            this.publishTimeout = publishTimeout;
        }

        public Duration getCloseTimeout() {
            return closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public boolean isListenForNotifications() {
            return listenForNotifications;
        }

        public void setListenForNotifications(boolean listenForNotifications) {
            this.listenForNotifications = listenForNotifications;
        }

        public Retry getRetry() {
            return retry;
        }

        public DeadLetter getDeadLetter() {
            return deadLetter;
        }
    }

    /** Idempotent consumers made by {@link OutboxConsumers}. */
    public static class Consumer {
        /** Whether dead letters go to the database dead-letter table (else to the binding's broker destination). */
        private boolean deadLetterToDatabase;
        private final Retry retry = Retry.of(Duration.ofMillis(100), Duration.ofSeconds(2));
        private final DeadLetter deadLetter = DeadLetter.of(IdempotentConsumer.DEFAULT_MAX_ATTEMPTS);

        public boolean isDeadLetterToDatabase() {
            return deadLetterToDatabase;
        }

        public void setDeadLetterToDatabase(boolean deadLetterToDatabase) {
            this.deadLetterToDatabase = deadLetterToDatabase;
        }

        public Retry getRetry() {
            return retry;
        }

        public DeadLetter getDeadLetter() {
            return deadLetter;
        }
    }

    /** Exponential backoff between attempts. */
    public static class Retry {
        /** First backoff. */
        private @Nullable Duration initial;
        /** Longest backoff. */
        private @Nullable Duration max;

        static Retry of(@Nullable Duration initial, @Nullable Duration max) {
            Retry retry = new Retry();
            retry.initial = initial;
            retry.max = max;
            return retry;
        }

        public @Nullable Duration getInitial() {
            return initial;
        }

        public void setInitial(@Nullable Duration initial) {
            this.initial = initial;
        }

        public @Nullable Duration getMax() {
            return max;
        }

        public void setMax(@Nullable Duration max) {
            this.max = max;
        }

        /** As an error about both values shows them. */
        @Override
        public String toString() {
            return "initial=" + initial + ", max=" + max;
        }
    }

    /** When a message becomes a dead letter. */
    public static class DeadLetter {
        /** Attempts before a message is dead-lettered. */
        private int maxAttempts;
        /** What later messages of a dead-lettered message's key do (ordered relays): wait for replay, or go on. */
        private DeadLetterPolicy.KeyAfterDeadLetter keyAfterDeadLetter = DeadLetterPolicy.KeyAfterDeadLetter.SKIP;
        /** Broker destination that also receives a copy of each dead letter ({@code {destination}} is replaced). */
        private @Nullable String brokerDestination;

        static DeadLetter of(int maxAttempts) {
            DeadLetter deadLetter = new DeadLetter();
            deadLetter.maxAttempts = maxAttempts;
            return deadLetter;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public DeadLetterPolicy.KeyAfterDeadLetter getKeyAfterDeadLetter() {
            return keyAfterDeadLetter;
        }

        public void setKeyAfterDeadLetter(DeadLetterPolicy.KeyAfterDeadLetter keyAfterDeadLetter) {
            this.keyAfterDeadLetter = keyAfterDeadLetter;
        }

        public @Nullable String getBrokerDestination() {
            return brokerDestination;
        }

        public void setBrokerDestination(@Nullable String brokerDestination) {
            this.brokerDestination = brokerDestination;
        }

        /** The policy these properties describe. */
        DeadLetterPolicy policy() {
            DeadLetterPolicy policy = DeadLetterPolicy.afterAttempts(maxAttempts);
            policy = keyAfterDeadLetter == DeadLetterPolicy.KeyAfterDeadLetter.BLOCK ? policy.blockKey()
                    : policy.skipKey();
            String template = brokerDestination;
            return template == null || template.isBlank() ? policy
                    : policy.alsoPublishTo(original -> template.replace("{destination}", original));
        }
    }

    /** Health indicator thresholds. */
    public static class Health {
        /** DOWN when the oldest pending message is older than this. */
        private Duration maxOldestPendingAge = Duration.ofMinutes(5);
        /** DOWN when there are more dead letters than this; negative: never. */
        private long maxDeadLetters = -1;

        public Duration getMaxOldestPendingAge() {
            return maxOldestPendingAge;
        }

        public void setMaxOldestPendingAge(Duration maxOldestPendingAge) {
            this.maxOldestPendingAge = maxOldestPendingAge;
        }

        public long getMaxDeadLetters() {
            return maxDeadLetters;
        }

        public void setMaxDeadLetters(long maxDeadLetters) {
            this.maxDeadLetters = maxDeadLetters;
        }
    }
}
