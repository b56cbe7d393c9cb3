package dev.outbox.kafka;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.Reasons;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Sends a consumer binding's dead letters to their dead-letter topics, each with the original key and value, the
 * reason headers and the original partition and offset. A dead letter the topic refuses in full (too large for
 * {@code max.request.size} once the reason headers are added, an invalid record) goes again without its value and
 * with only the reason headers. Thread-safe.
 */
final class KafkaDeadLetters {
    private static final Logger log = LoggerFactory.getLogger(KafkaConsumerBinding.class);

    private final Producer<byte[], byte[]> producer;
    private final UnaryOperator<String> topics;
    private final Duration timeout;

    KafkaDeadLetters(Producer<byte[], byte[]> producer, UnaryOperator<String> topics, Duration timeout) {
        this.producer = producer;
        this.topics = topics;
        this.timeout = timeout;
    }

    /** True once the dead-letter topic has the dead letter, in full or without its value; never throws. */
    boolean send(ConsumerRecord<byte[], byte[]> record, InboundMessage message, ConsumeOutcome.DeadLettered dead) {
        String topic;
        try {
            topic = topics.apply(record.topic());
        } catch (RuntimeException e) {
            log.warn("The dead-letter topic function threw for {}: {}", Reasons.forLog(record.topic()),
                    Reasons.of(e));
            return false;
        }
        Map<String, String> headers = Envelope.deadLetterHeaders(message, dead);
        addOrigin(headers, record);
        Throwable refused = send(topic, record.key(), message.payload(), headers);
        if (refused == null) {
            return true;
        }
        if (refused instanceof RetriableException) {
            log.warn("Dead letter {} could not be published to {}; it is retried: {}", Reasons.forLog(message.id()),
                    Reasons.forLog(topic), Reasons.of(refused));
            return false;
        }
        Map<String, String> stripped = Envelope.strippedDeadLetterHeaders(message, dead);
        addOrigin(stripped, record);
        Throwable again = send(topic, null, new byte[0], stripped);
        if (again != null) {
            log.warn("Dead letter {} was refused by {} even without its value: {}", Reasons.forLog(message.id()),
                    Reasons.forLog(topic), Reasons.of(again));
            return false;
        }
        log.warn("Dead letter {} was refused by {} in full ({}) and was sent without its value",
                Reasons.forLog(message.id()), Reasons.forLog(topic), Reasons.of(refused));
        return true;
    }

    void close(Duration timeout) {
        producer.close(timeout);
    }

    /** Sends one record and waits for the ack; the failure, or null. */
    private @Nullable Throwable send(String topic, byte @Nullable [] key, byte[] value, Map<String, String> headers) {
        try {
            producer.send(new ProducerRecord<>(topic, null, null, key, value, KafkaEnvelope.headers(headers)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException | KafkaException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    /** Where the dead letter's record was, so that it can be found or replayed. */
    private static void addOrigin(Map<String, String> headers, ConsumerRecord<byte[], byte[]> record) {
        headers.put(KafkaConsumerBinding.ORIGINAL_PARTITION, Integer.toString(record.partition()));
        headers.put(KafkaConsumerBinding.ORIGINAL_OFFSET, Long.toString(record.offset()));
    }
}
