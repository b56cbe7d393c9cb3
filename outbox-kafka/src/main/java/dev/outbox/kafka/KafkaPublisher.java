package dev.outbox.kafka;

import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Publishes outbox messages to Kafka with an idempotent producer and {@code acks=all}: a message is acked when
 * every in-sync replica has it. The record key is the message key, so Kafka's partitioner keeps one key in one
 * partition, in order; the envelope travels as record headers. Sends are asynchronous: a batch is handed to the
 * producer without waiting, and each message completes from its record's callback.
 *
 * <pre>{@code
 * KafkaPublisher publisher = KafkaPublisher.builder("localhost:9092")
 *         .property(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
 *         .build();
 * }</pre>
 *
 * <p>Errors no retry can fix are reported as {@link PublishResult.Rejected}, so the relay dead-letters the message
 * at once: a record over {@code max.request.size} or the broker's {@code message.max.bytes}, an invalid topic name,
 * a topic this client may not write, a topic that does not exist on a broker that does not create topics, a record
 * the topic refuses (e.g. no key on a compacted topic). Everything else (broker down, leader moving, timeouts) is a
 * failure the relay retries.
 *
 * <p>Defaults ({@link #DEFAULTS}) keep every wait below the relay's 30 s publish timeout; raise
 * {@code delivery.timeout.ms} only together with {@code OutboxRelay.builder().publishTimeout}. Thread-safe; close it
 * after the relays that use it.
 */
public final class KafkaPublisher implements MessagePublisher {
    /**
     * Producer settings applied unless overridden: {@code acks=all}, idempotence on, {@code linger.ms=1} and
     * {@code batch.size=65536} (the relay hands the producer whole batches, which fill its batches without a longer
     * linger; 1 ms keeps commit-to-ack latency low), {@code max.block.ms=10000} (how long a send may wait for metadata
     * or buffer space), {@code request.timeout.ms=10000} and {@code delivery.timeout.ms=25000}.
     */
    public static final Map<String, Object> DEFAULTS = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
            ProducerConfig.LINGER_MS_CONFIG, 1,
            ProducerConfig.BATCH_SIZE_CONFIG, 65_536,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 25_000);

    private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);
    private static final int MAX_TOPIC_LENGTH = 249;
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Topic names found valid, so that the pattern runs once per topic rather than once per record. */
    private static final Set<String> VALID_TOPICS = ConcurrentHashMap.newKeySet();
    private static final int MAX_REMEMBERED_TOPICS = 10_000;

    private final Producer<byte[], byte[]> producer;
    private final Function<OutboundMessage, String> topics;
    private final Map<String, Object> adminConfig;
    private @Nullable Admin admin;

    private KafkaPublisher(Producer<byte[], byte[]> producer, Function<OutboundMessage, String> topics,
                           Map<String, Object> adminConfig) {
        this.producer = producer;
        this.topics = topics;
        this.adminConfig = adminConfig;
    }

    /** A publisher to the cluster at {@code bootstrapServers} ({@code host:port[,host:port…]}). */
    public static Builder builder(String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        return new Builder().property(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /** A publisher with these producer settings (which must name {@code bootstrap.servers}), over the defaults. */
    public static Builder builder(Map<String, ?> producerConfig) {
        Builder builder = new Builder();
        producerConfig.forEach(builder::property);
        return builder;
    }

    @Override
    public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
        Answers answers = new Answers(batch.size());
        // A send that waited max.block.ms for a topic's metadata would wait as long for each further record of it.
        Map<String, PublishResult> unavailable = null;
        for (int i = 0; i < batch.size(); i++) {
            OutboundMessage m = batch.get(i);
            String topic;
            try {
                topic = Objects.requireNonNull(topics.apply(m), "the destination mapping returned null");
            } catch (RuntimeException e) {
                answers.set(i, PublishResult.rejected(m.id(), "the destination mapping failed: " + e, e));
                continue;
            }
            String invalid = invalidTopic(topic);
            if (invalid != null) {
                answers.set(i, PublishResult.rejected(m.id(), invalid));
                continue;
            }
            PublishResult earlier = unavailable == null ? null : unavailable.get(topic);
            if (earlier != null) {
                answers.set(i, sameOutcome(m, earlier));
                continue;
            }
            PublishResult immediate = send(m, topic, answers, i);
            if (immediate == null) {
                continue;
            }
            if (immediate instanceof PublishResult.Failed failed
                    && failed.cause().getCause() instanceof TimeoutException) {
                immediate = topicMissing(topic)
                        ? PublishResult.rejected(m.id(), "Kafka topic '" + topic + "' does not exist and the broker "
                                + "does not create topics automatically; create it, or map the destination to an "
                                + "existing topic with KafkaPublisher.builder().destinations(...)",
                                failed.cause().getCause())
                        : failed;
                if (unavailable == null) {
                    unavailable = new HashMap<>();
                }
                unavailable.put(topic, immediate);
            }
            answers.set(i, immediate);
        }
        return answers.done();
    }

    /**
     * Hands the record to the producer. Returns its outcome when the producer answered before returning (it does for
     * errors it finds before sending, such as a metadata timeout), else null: the outcome then arrives in
     * {@code answers} at position {@code i}.
     */
    /** Sends {@code m}; its result when known before {@code send} returned, else null (the callback sets it). */
    private @Nullable PublishResult send(OutboundMessage m, String topic, Answers answers, int i) {
        byte[] key = m.key() == null ? null : m.key().getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, null, key, m.payload(),
                KafkaEnvelope.headers(m));
        Sent sent = new Sent(m, topic, answers, i);
        try {
            producer.send(record, sent);
        } catch (RuntimeException e) {
            sent.onCompletion(null, e);
        }
        return sent.returned();
    }

    /** The callback of one record: holds an outcome that came before {@code send} returned, for the caller. */
    private final class Sent implements Callback {
        private final OutboundMessage message;
        private final String topic;
        private final Answers answers;
        private final int index;
        private boolean returned;
        private @Nullable PublishResult early;

        Sent(OutboundMessage message, String topic, Answers answers, int index) {
            this.message = message;
            this.topic = topic;
            this.answers = answers;
            this.index = index;
        }

        @Override
        public synchronized void onCompletion(@Nullable RecordMetadata metadata, @Nullable Exception error) {
            PublishResult result = error == null ? PublishResult.acked(message.id()) : outcome(message, topic, error);
            if (returned) {
                answers.set(index, result);
            } else {
                early = result;
            }
        }

        synchronized @Nullable PublishResult returned() {
            returned = true;
            return early;
        }
    }

    /**
     * One result per message of a batch, filled in by the producer's callbacks; completes once all are in. One
     * array and one counter per batch instead of a future per record.
     */
    private static final class Answers {
        private final AtomicReferenceArray<PublishResult> results;
        private final AtomicInteger missing;
        private final CompletableFuture<List<PublishResult>> done = new CompletableFuture<>();

        Answers(int size) {
            results = new AtomicReferenceArray<>(size);
            missing = new AtomicInteger(size);
            if (size == 0) {
                done.complete(List.of());
            }
        }

        void set(int i, PublishResult result) {
            results.set(i, result);
            if (missing.decrementAndGet() == 0) {
                PublishResult[] all = new PublishResult[results.length()];
                for (int n = 0; n < all.length; n++) {
                    all[n] = results.get(n);
                }
                done.complete(Arrays.asList(all));
            }
        }

        CompletableFuture<List<PublishResult>> done() {
            return done;
        }
    }

    /**
     * Why Kafka would refuse {@code topic} as a name, or null. Checked here because a producer asked for an invalid
     * topic keeps asking for it in every metadata request, and the errors stall its other topics.
     */
    static @Nullable String invalidTopic(@Nullable String topic) {
        if (topic != null && VALID_TOPICS.contains(topic)) {
            return null;
        }
        if (topic == null || topic.isEmpty() || topic.length() > MAX_TOPIC_LENGTH || topic.equals(".")
                || topic.equals("..") || !LEGAL_TOPIC.matcher(topic).matches()) {
            return "'" + topic + "' is not a valid Kafka topic name: use 1 to " + MAX_TOPIC_LENGTH
                    + " characters of a-z, A-Z, 0-9, '.', '_' and '-' (not '.' or '..' alone), or map destinations "
                    + "to topics with KafkaPublisher.builder().destinations(...)";
        }
        if (VALID_TOPICS.size() < MAX_REMEMBERED_TOPICS) {
            VALID_TOPICS.add(topic);
        }
        return null;
    }

    private static PublishResult outcome(OutboundMessage m, String topic, Throwable error) {
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
            return PublishResult.rejected(m.id(), "Kafka refused the record for topic '" + topic + "' as too large ("
                    + m.payload().length + " bytes of payload; limits: producer max.request.size, broker/topic "
                    + "message.max.bytes): " + error.getMessage(), error);
        }
        if (error instanceof InvalidTopicException || error instanceof TopicAuthorizationException
                || error instanceof InvalidRecordException || error instanceof SerializationException) {
            return PublishResult.rejected(m.id(), "Kafka refused the record for topic '" + topic + "': "
                    + error.getClass().getSimpleName() + ": " + error.getMessage(), error);
        }
        if (error instanceof TimeoutException || error instanceof NetworkException) {
            // No answer from the cluster (metadata, delivery timeout) or a lost connection: an outage.
            return PublishResult.failed(m.id(), new BrokerUnavailableException("Kafka did not answer for topic '"
                    + topic + "': " + error.getMessage(), error));
        }
        return PublishResult.failed(m.id(), error);
    }

    private static PublishResult sameOutcome(OutboundMessage m, PublishResult earlier) {
        return earlier instanceof PublishResult.Rejected rejected
                ? PublishResult.rejected(m.id(), rejected.reason(), rejected.cause())
                : PublishResult.failed(m.id(), ((PublishResult.Failed) earlier).cause());
    }

    /** True only when the broker answers that the topic does not exist; false when it cannot be asked. */
    private boolean topicMissing(String topic) {
        try {
            admin().describeTopics(List.of(topic)).allTopicNames()
                    .get(TOPIC_CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.TimeoutException | KafkaException e) {
            return false;
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminConfig);
        }
        return admin;
    }

    /** Sends what the producer has buffered and closes it (waiting up to 30 s). */
    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        }
    }

    /** Configures a {@link KafkaPublisher}. */
    public static final class Builder {
        private final Map<String, Object> config = new LinkedHashMap<>(DEFAULTS);
        private Function<OutboundMessage, String> topics = OutboundMessage::destination;

        private Builder() {
        }

        /** Any producer setting ({@link ProducerConfig}); serializers are the publisher's own. */
        public Builder property(String name, Object value) {
            config.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        /** Maps each message to its topic; by default the message's destination is the topic. */
        public Builder destinations(Function<OutboundMessage, String> topics) {
            this.topics = Objects.requireNonNull(topics, "destinations");
            return this;
        }

        /**
         * The former name of {@link #destinations}.
         *
         * @deprecated use {@link #destinations(Function)}, the name all three publishers share
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder topics(Function<OutboundMessage, String> topics) {
            return destinations(topics);
        }

        /**
         * Creates the producer (it connects lazily, on the first send).
         *
         * @throws IllegalArgumentException naming the setting when one would break the publisher's guarantees
         */
        public KafkaPublisher build() {
            if (!config.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException("KafkaPublisher needs bootstrap.servers: use "
                        + "KafkaPublisher.builder(\"host:9092\") or put bootstrap.servers in the producer settings");
            }
            String acks = String.valueOf(config.get(ProducerConfig.ACKS_CONFIG));
            if (acks.equals("0")) {
                throw new IllegalArgumentException("KafkaPublisher: acks=0 gives no acknowledgement, so the relay "
                        + "would delete messages the broker may never have received; use acks=all (the default)");
            }
            if (!acks.equals("all") && !acks.equals("-1")) {
                log.warn("KafkaPublisher with acks={}: an acked message is lost if its partition leader fails "
                        + "before replicating it; acks=all is the default for that reason", acks);
            }
            Map<String, Object> producerConfig = new HashMap<>(config);
            producerConfig.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            producerConfig.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
            Map<String, Object> adminConfig = new HashMap<>();
            config.forEach((name, value) -> {
                if (AdminClientConfig.configNames().contains(name) && !name.endsWith("timeout.ms")) {
                    adminConfig.put(name, value);
                }
            });
            adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "outbox-publisher-admin");
            adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TOPIC_CHECK_TIMEOUT.toMillis());
            adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_CHECK_TIMEOUT.toMillis());
            try {
                return new KafkaPublisher(new KafkaProducer<>(producerConfig, new ByteArraySerializer(),
                        new ByteArraySerializer()), topics, adminConfig);
            } catch (KafkaException e) {
                throw new IllegalArgumentException("KafkaPublisher: invalid producer settings: " + e.getMessage()
                        + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"), e);
            }
        }
    }
}
