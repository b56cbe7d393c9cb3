package dev.outbox.kafka;

import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.OutboundMessage;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The envelope as Kafka record headers (UTF-8 values) and back. The record key is the message key; a record from
 * another producer without an {@link Envelope#KEY} header gets its record key as the message key.
 */
final class KafkaEnvelope {

    private KafkaEnvelope() {
    }

    /** Header values that recur (types, content types): their bytes are made once. */
    private static final Map<String, byte[]> RECURRING = new ConcurrentHashMap<>();
    private static final int MAX_RECURRING = 1_000;
    private static final int MAX_RECURRING_LENGTH = 64;

    /** The envelope of {@code m} as record headers, built without an intermediate map. */
    static Headers headers(OutboundMessage m) {
        RecordHeaders result = new RecordHeaders();
        Envelope.each(m, (name, value) -> result.add(name, bytes(name, value)));
        return result;
    }

    /** UTF-8 bytes of a header value, shared for the values of fields that recur across messages. */
    private static byte[] bytes(String name, String value) {
        if ((name.equals(Envelope.TYPE) || name.equals(Envelope.CONTENT_TYPE))
                && value.length() <= MAX_RECURRING_LENGTH) {
            byte[] known = RECURRING.get(value);
            if (known != null) {
                return known;
            }
            byte[] made = value.getBytes(StandardCharsets.UTF_8);
            if (RECURRING.size() < MAX_RECURRING) {
                RECURRING.put(value, made);
            }
            return made;
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Record headers carrying {@code headers}, in order. */
    static Headers headers(Map<String, String> headers) {
        RecordHeaders result = new RecordHeaders();
        headers.forEach((name, value) -> result.add(name, value.getBytes(StandardCharsets.UTF_8)));
        return result;
    }

    /** The last value of each header, decoded as UTF-8; headers without a value are left out. */
    static Map<String, String> headers(Headers headers) {
        Map<String, String> result = new LinkedHashMap<>();
        for (Header header : headers) {
            if (header.value() != null) {
                result.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return result;
    }

    /** Reads a record as the consumer sees it; a tombstone (null value) has an empty payload. */
    static InboundMessage inbound(ConsumerRecord<byte[], byte[]> record, int deliveryAttempt) {
        Map<String, String> headers = headers(record.headers());
        if (record.key() != null) {
            headers.putIfAbsent(Envelope.KEY, new String(record.key(), StandardCharsets.UTF_8));
        }
        byte[] payload = record.value() == null ? new byte[0] : record.value();
        return Envelope.inbound(record.topic(), payload, headers, deliveryAttempt);
    }
}
