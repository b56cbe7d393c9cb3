package dev.outbox.kafka;

import dev.outbox.spi.Deliveries;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * One {@code KafkaConsumer} of a {@link KafkaConsumerBinding} and the thread that polls it; all its state is
 * confined to that thread. Records of a partition are settled one at a time in offset order; one that is not
 * settled is sought back to and its partition paused for the retry delay. Offsets are committed after each poll and
 * on revocation. Nothing a record carries ends the thread: {@link Deliveries} settles everything, and what escapes
 * anyway (a bug, a broken client) is logged and the loop goes on.
 */
final class KafkaWorker implements Runnable, ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(KafkaConsumerBinding.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

    final KafkaConsumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final Deliveries deliveries;
    private final KafkaDeadLetters deadLetters;
    private final Duration retryDelay;
    private final Duration closeTimeout;
    private final CountDownLatch stopped;
    private final Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();
    private final Map<TopicPartition, Long> pausedUntil = new HashMap<>();
    private final Map<TopicPartition, long[]> redeliveries = new HashMap<>();
    private volatile boolean stopping;
    @Nullable Thread thread;

    KafkaWorker(KafkaConsumer<byte[], byte[]> consumer, List<String> topics, Deliveries deliveries,
                KafkaDeadLetters deadLetters, Duration retryDelay, Duration closeTimeout, CountDownLatch stopped) {
        this.consumer = consumer;
        this.topics = topics;
        this.deliveries = deliveries;
        this.deadLetters = deadLetters;
        this.retryDelay = retryDelay;
        this.closeTimeout = closeTimeout;
        this.stopped = stopped;
    }

    void stop() {
        stopping = true;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(topics, this);
            while (!stopping) {
                try {
                    resumeDue();
                    process(consumer.poll(POLL_TIMEOUT));
                    commit();
                } catch (WakeupException | InterruptException e) {
                    if (!stopping) {
                        log.warn("Kafka consumer {} was interrupted; going on", Thread.currentThread().getName());
                    }
                } catch (KafkaException e) {
                    log.warn("Kafka consumer {} failed; retrying in {}: {}", Thread.currentThread().getName(),
                            retryDelay, e.toString());
                    pause(retryDelay);
                } catch (RuntimeException | Error e) {
                    // Nothing a record carries gets here (Deliveries settles everything); this is a bug or a
                    // broken client. The thread goes on: the uncommitted records are polled again.
                    log.error("Kafka consumer {} failed unexpectedly; retrying in {}", Thread.currentThread().getName(),
                            retryDelay, e);
                    pause(retryDelay);
                }
            }
        } finally {
            try {
                commit();
            } catch (RuntimeException e) {
                log.warn("Final offset commit of {} failed; its last records will be redelivered: {}",
                        Thread.currentThread().getName(), e.toString());
            }
            consumer.close(closeTimeout);
        }
    }

    private void process(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                if (stopping) {
                    return;
                }
                if (!handle(partition, record)) {
                    consumer.seek(partition, record.offset());
                    consumer.pause(Set.of(partition));
                    pausedUntil.put(partition, System.nanoTime() + retryDelay.toNanos());
                    break;
                }
            }
        }
    }

    /** True when the record is done with (its offset may be committed); false to deliver it again later. */
    private boolean handle(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        long[] redelivery = redeliveries.get(partition);
        int attempt = redelivery != null && redelivery[0] == record.offset() ? (int) redelivery[1] + 1 : 1;
        boolean done = deliveries.settle(() -> KafkaEnvelope.inbound(record, attempt), record.topic(),
                record.value() == null ? new byte[0] : record.value(), KafkaEnvelope.headers(record.headers()),
                (message, dead) -> deadLetters.send(record, message, dead));
        if (done) {
            processed.put(partition, new OffsetAndMetadata(record.offset() + 1));
            redeliveries.remove(partition);
        } else {
            redeliveries.put(partition, new long[] {record.offset(), attempt});
        }
        return done;
    }

    private void commit() {
        if (!processed.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(processed);
            processed.clear();
            try {
                consumer.commitSync(offsets);
            } catch (WakeupException e) {
                // close() woke the consumer to end a poll; these offsets must still be committed.
                consumer.commitSync(offsets);
            }
        }
    }

    private void resumeDue() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<TopicPartition, Long>> it = pausedUntil.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, Long> paused = it.next();
            if (now - paused.getValue() >= 0) {
                if (consumer.assignment().contains(paused.getKey())) {
                    consumer.resume(Set.of(paused.getKey()));
                }
                it.remove();
            }
        }
    }

    /** Commits what was processed of the partitions leaving, so that their next owner starts right after it. */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = processed.remove(partition);
            if (offset != null) {
                offsets.put(partition, offset);
            }
        }
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets);
            } catch (KafkaException e) {
                log.warn("Commit on revocation of {} failed; their last records will be redelivered: {}",
                        partitions, e.toString());
            }
        }
        forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        log.debug("{} assigned {}", Thread.currentThread().getName(), partitions);
    }

    /** Partitions lost without a clean revocation may already belong to another member: commit nothing. */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        partitions.forEach(processed::remove);
        forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> {
            pausedUntil.remove(p);
            redeliveries.remove(p);
        });
    }

    private void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
