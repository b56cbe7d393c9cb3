package dev.outbox.kafka;

import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.ConsumerBinding;
import dev.outbox.spi.Deliveries;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessageProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Consumes Kafka topics into a {@link MessageProcessor} (an {@code IdempotentConsumer}), committing a record's offset
 * only after the processor committed it, found it a duplicate, or had it dead-lettered. Each consumer thread runs its
 * own {@code KafkaConsumer} in the group and processes its partitions' records one at a time, in offset order.
 *
 * <pre>{@code
 * KafkaConsumerBinding binding = KafkaConsumerBinding.builder("localhost:9092", "billing", consumer)
 *         .topics("orders")
 *         .build();
 * binding.start();
 * }</pre>
 *
 * <p>A record the processor could not process (the database was down), or that made it throw, stops its partition:
 * the consumer seeks back to it and pauses that partition for {@code retryDelay}, so later records of the same
 * partition never overtake it while other partitions go on. A record that keeps failing for a reason other than an
 * outage is dead-lettered after {@link Deliveries#DEFAULT_MAX_UNSETTLED} deliveries, so no record stalls its
 * partition for ever. Dead letters go to {@code <topic>.DLT} (configurable) with the original key and value, the
 * reason headers of {@link Envelope#deadLetterHeaders} and the original partition and offset
 * ({@link #ORIGINAL_PARTITION}, {@link #ORIGINAL_OFFSET}); a record the dead-letter topic
 * refuses in full (too large) is sent without its value, and failing that stored by the processor; the offset is
 * committed only once the dead letter is somewhere.
 *
 * <p>Offsets are committed synchronously after each polled batch and when partitions are revoked, so a rebalance
 * hands over exactly what was processed. Kafka keeps no delivery count: the attempt number the processor sees counts
 * this binding's own redeliveries of a record, and starts again after a rebalance or restart. The configuration is
 * copied at {@link Builder#build()}; the binding is thread-safe.
 */
public final class KafkaConsumerBinding implements ConsumerBinding {
    /** How long a partition pauses after a record could not be processed, so that an outage does not spin. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    /** How long {@link #close()} waits for the records being processed and the final commit. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Suffix of the default dead-letter topic. */
    public static final String DEAD_LETTER_SUFFIX = ".DLT";
    /** Added to dead letters: the partition of the original record, so that it can be found or replayed. */
    public static final String ORIGINAL_PARTITION = "outbox-original-partition";
    /** Added to dead letters: the offset of the original record. */
    public static final String ORIGINAL_OFFSET = "outbox-original-offset";
    /**
     * Consumer settings applied unless overridden: {@code auto.offset.reset=earliest} (a new group reads what was
     * published before it started) and {@code max.poll.records=100} (a batch is processed well within
     * {@code max.poll.interval.ms}, retries included). Auto-commit is always off.
     */
    public static final Map<String, Object> DEFAULTS = Map.of(
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);

    private static final Logger log = LoggerFactory.getLogger(KafkaConsumerBinding.class);

    private final MessageProcessor processor;
    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> producerConfig;
    private final List<String> topics;
    private final UnaryOperator<String> deadLetterTopics;
    private final int consumers;
    private final Duration retryDelay;
    private final Duration closeTimeout;
    private final String groupId;
    private final Deliveries deliveries;
    private final List<KafkaWorker> workers = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private @Nullable KafkaDeadLetters deadLetters;

    private KafkaConsumerBinding(Builder b) {
        processor = b.processor;
        consumerConfig = Map.copyOf(b.consumer);
        producerConfig = b.producerConfig();
        topics = List.copyOf(b.topics);
        deadLetterTopics = b.deadLetterTopics;
        consumers = b.consumers;
        retryDelay = b.retryDelay;
        closeTimeout = b.closeTimeout;
        groupId = b.groupId();
        deliveries = Deliveries.of(processor);
    }

    /**
     * A binding for consumer group {@code groupId} on the cluster at {@code bootstrapServers}; name its topics with
     * {@link Builder#topics}.
     */
    public static Builder builder(String bootstrapServers, String groupId, MessageProcessor processor) {
        return new Builder(processor)
                .property(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers,
                        "bootstrapServers"))
                .property(ConsumerConfig.GROUP_ID_CONFIG, Objects.requireNonNull(groupId, "groupId"));
    }

    /**
     * Creates the consumers and the dead-letter producer and starts the consumer threads; they connect, join the
     * group and get partitions in the background.
     *
     * @throws OutboxConfigurationException when the Kafka client refuses the settings
     */
    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("KafkaConsumerBinding for " + topics + " was already started");
        }
        try {
            deadLetters = new KafkaDeadLetters(new KafkaProducer<>(producerConfig, new ByteArraySerializer(),
                    new ByteArraySerializer()), deadLetterTopics, closeTimeout);
            for (int i = 0; i < consumers; i++) {
                workers.add(new KafkaWorker(new KafkaConsumer<>(consumerConfig(i), new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()), topics, deliveries, deadLetters, retryDelay, closeTimeout,
                        stopping));
            }
        } catch (KafkaException e) {
            workers.forEach(w -> w.consumer.close(Duration.ZERO));
            if (deadLetters != null) {
                deadLetters.close(Duration.ZERO);
            }
            throw new OutboxConfigurationException("KafkaConsumerBinding: the Kafka client refused the settings: "
                    + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"), e);
        }
        for (int i = 0; i < workers.size(); i++) {
            Thread thread = new Thread(workers.get(i), "outbox-kafka-" + groupId + "-" + i);
            thread.setDaemon(true);
            workers.get(i).thread = thread;
            thread.start();
        }
        log.info("Consuming Kafka topics {} as group {} ({} consumer(s))", topics, groupId, workers.size());
    }

    /**
     * Stops polling, lets each consumer finish the record it is processing, commits what was processed, leaves the
     * group and closes the clients; waits up to {@code closeTimeout}. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || !started.get()) {
            return;
        }
        stopping.countDown();
        workers.forEach(KafkaWorker::stop);
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        for (KafkaWorker worker : workers) {
            Thread thread = worker.thread;
            if (thread == null) {
                continue;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) {
                log.warn("Kafka consumer {} did not stop within {}", thread.getName(), closeTimeout);
            }
        }
        if (deadLetters != null) {
            deadLetters.close(closeTimeout);
        }
        log.info("Stopped consuming Kafka topics {} as group {}", topics, groupId);
    }

    private Map<String, Object> consumerConfig(int index) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "outbox-" + groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, config.get(ConsumerConfig.CLIENT_ID_CONFIG) + "-" + index);
        return config;
    }

    /** Configures a {@link KafkaConsumerBinding}; {@link #build()} copies the configuration. */
    public static final class Builder {
        private final MessageProcessor processor;
        private final Map<String, Object> consumer = new LinkedHashMap<>(DEFAULTS);
        private final Map<String, Object> producer = new LinkedHashMap<>();
        private List<String> topics = List.of();
        private UnaryOperator<String> deadLetterTopics = topic -> topic + DEAD_LETTER_SUFFIX;
        private int consumers = 1;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder(MessageProcessor processor) {
            this.processor = Objects.requireNonNull(processor, "processor");
        }

        /** The topics to consume (at least one). */
        public Builder topics(String... topics) {
            this.topics = List.of(topics);
            return this;
        }

        /** Any consumer setting ({@link ConsumerConfig}); deserializers are the binding's own. */
        public Builder property(String name, Object value) {
            consumer.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        /**
         * A setting of the dead-letter producer ({@link ProducerConfig}). By default it shares the consumer's
         * connection settings (bootstrap servers, security) and uses {@code acks=all} with idempotence.
         */
        public Builder deadLetterProducerProperty(String name, Object value) {
            producer.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        /** Maps a topic to its dead-letter topic; default {@code <topic>.DLT}. */
        public Builder deadLetterTopics(UnaryOperator<String> deadLetterTopics) {
            this.deadLetterTopics = Objects.requireNonNull(deadLetterTopics, "deadLetterTopics");
            return this;
        }

        /** Consumer threads in the group, each with its own partitions; more than the partitions is wasted. */
        public Builder consumers(int consumers) {
            this.consumers = consumers;
            return this;
        }

        /** How long a partition pauses after a record could not be processed; default 1 s, must be positive. */
        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return this;
        }

        /** How long {@link KafkaConsumerBinding#close()} waits, and a dead letter's send may take; default 30 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting when one is missing or out of range */
        public KafkaConsumerBinding build() {
            if (topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
                throw new IllegalArgumentException("KafkaConsumerBinding.builder().topics(...) must name at least "
                        + "one topic, none blank; got " + topics);
            }
            if (consumers < 1 || consumers > 256) {
                throw new IllegalArgumentException("KafkaConsumerBinding.builder().consumers(" + consumers
                        + ") must be between 1 and 256");
            }
            if (Boolean.parseBoolean(String.valueOf(consumer.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)))) {
                throw new IllegalArgumentException("KafkaConsumerBinding: enable.auto.commit=true would commit "
                        + "offsets of records not yet processed; remove it (the binding commits after processing)");
            }
            positive("retryDelay", retryDelay);
            positive("closeTimeout", closeTimeout);
            return new KafkaConsumerBinding(this);
        }

        private static void positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("KafkaConsumerBinding.builder()." + name + "(" + value
                        + ") must be positive: a zero or negative pause turns a failing record into a hot loop");
            }
        }

        private String groupId() {
            return String.valueOf(consumer.get(ConsumerConfig.GROUP_ID_CONFIG));
        }

        private Map<String, Object> producerConfig() {
            Map<String, Object> config = new HashMap<>();
            consumer.forEach((name, value) -> {
                if (ProducerConfig.configNames().contains(name) && !name.equals(ConsumerConfig.CLIENT_ID_CONFIG)
                        && !name.endsWith(".ms")) {
                    config.put(name, value);
                }
            });
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-" + groupId() + "-dead-letters");
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            config.putAll(producer);
            config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
            return Map.copyOf(config);
        }
    }
}
