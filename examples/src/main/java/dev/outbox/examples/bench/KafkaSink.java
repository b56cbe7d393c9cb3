package dev.outbox.examples.bench;

import dev.outbox.kafka.KafkaPublisher;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.testing.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka: the broker from {@code OUTBOX_BENCH_KAFKA_BOOTSTRAP}, else a single-node KRaft broker started in a child JVM
 * for the run. Topics of {@value #PARTITIONS} partitions; the raw producer uses the publisher's defaults.
 */
final class KafkaSink implements Sink {
    private static final int PARTITIONS = 4;

    private final EmbeddedKafka embedded;
    private final String bootstrap;
    private final Admin admin;
    private final KafkaPublisher publisher;
    private final KafkaProducer<byte[], byte[]> raw;

    KafkaSink() {
        String configured = System.getenv("OUTBOX_BENCH_KAFKA_BOOTSTRAP");
        embedded = configured == null || configured.isBlank() ? EmbeddedKafka.start() : null;
        bootstrap = embedded != null ? embedded.bootstrapServers() : configured;
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        publisher = KafkaPublisher.builder(bootstrap).build();
        Map<String, Object> config = new HashMap<>(KafkaPublisher.DEFAULTS);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        raw = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public String name() {
        return "Kafka (" + (embedded != null ? "KRaft broker started for the run" : bootstrap) + ", " + PARTITIONS
                + " partitions, acks=all, idempotent)";
    }

    @Override
    public String destination(String base) throws Exception {
        String topic = base + "-" + ProcessHandle.current().pid();
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        return topic;
    }

    @Override
    public MessagePublisher publisher() {
        return publisher;
    }

    @Override
    public double rawSend(String destination, int messages) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            records.add(record(destination, Messages.outbound(i, destination)));
        }
        CountDownLatch acked = new CountDownLatch(messages);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = (metadata, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
            acked.countDown();
        };
        long start = System.nanoTime();
        Sink.inShares(messages, (from, to) -> {
            for (int i = from; i < to; i++) {
                raw.send(records.get(i), callback);
            }
        });
        if (!acked.await(10, TimeUnit.MINUTES) || failure.get() != null) {
            throw new IllegalStateException("raw sends failed or timed out", failure.get());
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void sendAndAwait(String destination, List<OutboundMessage> batch) throws Exception {
        CountDownLatch acked = new CountDownLatch(batch.size());
        AtomicReference<Exception> failure = new AtomicReference<>();
        for (OutboundMessage m : batch) {
            raw.send(record(destination, m), (metadata, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
                acked.countDown();
            });
        }
        if (!acked.await(1, TimeUnit.MINUTES) || failure.get() != null) {
            throw new IllegalStateException("hand-written relay sends failed or timed out", failure.get());
        }
    }

    /** The record the publisher sends: message key as record key, the envelope as headers. */
    private static ProducerRecord<byte[], byte[]> record(String topic, OutboundMessage m) {
        RecordHeaders headers = new RecordHeaders();
        Envelope.headers(m).forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, null, null, m.key().getBytes(StandardCharsets.UTF_8), m.payload(), headers);
    }

    @Override
    public void purge(String destination) {
        // a topic keeps what was sent; runs use topics of their own
    }

    @Override
    public void close() {
        publisher.close();
        raw.close();
        admin.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
