package dev.outbox.examples.bench;

import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.kafka.KafkaPublisher;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.testing.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * PostgreSQL to Kafka: the relay publishing a pre-filled outbox through {@link KafkaPublisher}, beside a plain
 * {@code KafkaProducer} sending the same records (key, 200-byte value, envelope headers) with the same settings,
 * measured in the same run against the same broker; then commit to ack latency at 1,000 messages/s.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.KafkaBenchmark</pre>
 *
 * Arguments: messages (default 200000), seconds of the latency run (default 10). Broker: OUTBOX_BENCH_KAFKA_BOOTSTRAP,
 * else a single-node KRaft broker started in a child JVM for the run. Database: as {@link RelayBenchmark}.
 */
public final class KafkaBenchmark {
    private static final int PARTITIONS = 4;

    private KafkaBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String bootstrap = System.getenv("OUTBOX_BENCH_KAFKA_BOOTSTRAP");
        EmbeddedKafka embedded = null;
        if (bootstrap == null || bootstrap.isBlank()) {
            embedded = EmbeddedKafka.start();
            bootstrap = embedded.bootstrapServers();
        }
        String topic = "outbox-bench-" + ProcessHandle.current().pid();
        try (BenchDatabase db = new BenchDatabase("kafka", 16);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            System.out.printf("PostgreSQL -> Kafka (%s; broker %s%s, topic of %d partitions), %d messages of 200 "
                    + "bytes, acks=all, idempotent producer%n", db.describe(), bootstrap,
                    embedded != null ? " started for this run" : "", PARTITIONS, messages);

            double raw = raw(bootstrap, topic, messages);
            System.out.printf("%-44s %10.0f msg/s%n", "raw KafkaProducer, same settings", raw);
            try (KafkaPublisher publisher = KafkaPublisher.builder(bootstrap).build()) {
                for (Ordering ordering : Ordering.values()) {
                    RelayBenchmark.truncate(db.dataSource(), outbox);
                    RelayBenchmark.prefill(db.dataSource(), outbox, messages, topic);
                    RelayBenchmark.drain(outbox, publisher, ordering, 1, messages)
                            .printAgainst("relay, 1 instance, " + ordering, messages, raw);
                }
                System.out.printf("%n%-34s %10s %10s %10s %10s%n", "commit -> Kafka ack at 1,000 msg/s", "messages",
                        "p50 ms", "p99 ms", "max ms");
                RelayBenchmark.printLatency("raw send -> ack (no database)", rawLatency(bootstrap, topic, seconds));
                for (Ordering ordering : Ordering.values()) {
                    RelayBenchmark.printLatency(ordering + ", 1 relay", RelayBenchmark.latency(db.dataSource(),
                            outbox, publisher, ordering, seconds, topic));
                }
            }
            admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** The publisher's default producer settings, for the plain producer. */
    private static Map<String, Object> producerConfig(String bootstrap) {
        Map<String, Object> config = new HashMap<>(KafkaPublisher.DEFAULTS);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }

    /** Send to ack of the plain producer at the same steady rate, for comparison with the relay's commit to ack. */
    private static Histogram rawLatency(String bootstrap, String topic, int seconds) throws Exception {
        Recorder recorder = new Recorder(3);
        Map<String, Object> config = producerConfig(bootstrap);
        int total = 1_000 * seconds;
        CountDownLatch acked = new CountDownLatch(total);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            AtomicLong sent = new AtomicLong();
            pacer.scheduleAtFixedRate(() -> {
                long n = sent.getAndIncrement();
                if (n >= total) {
                    return;
                }
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, ("order-" + n % 10_000).getBytes(StandardCharsets.UTF_8),
                        new byte[200]), (metadata, error) -> {
                            recorder.recordValue((System.nanoTime() - start) / 1000);
                            acked.countDown();
                        });
            }, 0, 1_000, TimeUnit.MICROSECONDS);
            if (!acked.await(seconds + 60L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("raw sends were not acknowledged in time");
            }
        } finally {
            pacer.shutdownNow();
        }
        return recorder.getIntervalHistogram();
    }

    /** The envelope as record headers, as the publisher sends it. */
    private static RecordHeaders headers(OutboundMessage message) {
        RecordHeaders headers = new RecordHeaders();
        Envelope.headers(message).forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }

    /** The relay's records sent straight from memory with the publisher's default producer settings. */
    private static double raw(String bootstrap, String topic, int messages) throws Exception {
        Map<String, Object> config = producerConfig(bootstrap);
        CountDownLatch acked = new CountDownLatch(messages);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                OutboundMessage record = RelayBenchmark.outbound(i, topic);
                producer.send(new ProducerRecord<>(topic, null, null, record.key().getBytes(StandardCharsets.UTF_8),
                        record.payload(), headers(record)), (metadata, error) -> {
                            if (error != null) {
                                failure.compareAndSet(null, error);
                            }
                            acked.countDown();
                        });
            }
            if (!acked.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw sends were not acknowledged within 10 minutes");
            }
            if (failure.get() != null) {
                throw new IllegalStateException("raw send failed", failure.get());
            }
            return messages / ((System.nanoTime() - start) / 1e9);
        }
    }
}
