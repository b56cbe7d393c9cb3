package dev.outbox.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.outbox.spi.Reasons;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import org.jspecify.annotations.Nullable;

/**
 * The envelope as SQS message attributes, packed to stay well inside SQS's limit of 10 attributes per message:
 *
 * <ul>
 *   <li>{@code outbox-message-id} and {@code outbox-type}, each its own String attribute, so that they can be seen
 *       in the console and used by subscription filters;
 *   <li>{@code outbox-envelope}: every other envelope field and all user headers, as one JSON object of strings;
 *   <li>{@code outbox-body-encoding: base64} when the payload is not text SQS accepts as a body (SQS bodies are
 *       XML-safe Unicode), in which case the body is the payload in base64; {@code empty} for an empty payload.
 * </ul>
 *
 * Reading accepts that form and plain String attributes from any other producer (each becomes a header), so a
 * message sent with individual {@code outbox-*} attributes reads the same.
 */
final class SqsEnvelope {
    static final String ENVELOPE = "outbox-envelope";
    static final String BODY_ENCODING = "outbox-body-encoding";
    static final String BASE64 = "base64";
    /** SQS refuses empty bodies: an empty payload travels as this body, marked with encoding {@code empty}. */
    static final String EMPTY = "empty";
    private static final String EMPTY_BODY = "-";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Resolved once: readValue(json, typeReference) resolves the type and its deserializer on every call. */
    private static final ObjectReader READER = MAPPER.readerFor(new TypeReference<LinkedHashMap<String, String>>() { });
    private static final ObjectWriter WRITER = MAPPER.writerFor(new TypeReference<Map<String, String>>() { });

    private SqsEnvelope() {
    }

    /**
     * A message as SQS carries it.
     *
     * @param body the payload's text when SQS accepts it as is, else its base64 ({@code -} when empty)
     * @param attributes the packed envelope, with the body encoding when it is not plain text
     * @param size bytes SQS counts against its size limit: the body and each attribute's name, type and value
     */
    record Encoded(String body, Map<String, MessageAttributeValue> attributes, int size) {
    }

    /** Encodes {@code payload} and {@code headers} (envelope fields and user headers) for SQS. */
    static Encoded encode(Map<String, String> headers, byte[] payload) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        Map<String, String> packed = new LinkedHashMap<>(headers);
        for (String own : new String[] {Envelope.MESSAGE_ID, Envelope.TYPE}) {
            String value = packed.remove(own);
            if (value != null) {
                attributes.put(own, string(value));
            }
        }
        if (!packed.isEmpty()) {
            try {
                attributes.put(ENVELOPE, string(WRITER.writeValueAsString(packed)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("string headers always encode as JSON", e);
            }
        }
        String body;
        if (payload.length == 0) {
            body = EMPTY_BODY;
            attributes.put(BODY_ENCODING, string(EMPTY));
        } else {
            body = text(payload);
            if (body == null) {
                body = Base64.getEncoder().encodeToString(payload);
                attributes.put(BODY_ENCODING, string(BASE64));
            }
        }
        return new Encoded(body, attributes, size(body, attributes));
    }

    private static int size(String body, Map<String, MessageAttributeValue> attributes) {
        int size = utf8Length(body);
        for (Map.Entry<String, MessageAttributeValue> a : attributes.entrySet()) {
            size += utf8Length(a.getKey()) + utf8Length(a.getValue().dataType());
            size += a.getValue().stringValue() != null ? utf8Length(a.getValue().stringValue())
                    : a.getValue().binaryValue() != null ? a.getValue().binaryValue().asByteArray().length : 0;
        }
        return size;
    }

    /**
     * Reads a received message; {@code ApproximateReceiveCount} is its delivery attempt.
     *
     * @throws IllegalArgumentException when the envelope is malformed: a body marked base64 that is not, or an
     *     unknown body encoding
     */
    static InboundMessage inbound(String queue, Message message) {
        Map<String, String> headers = headers(message.messageAttributes());
        String encoding = headers.remove(BODY_ENCODING);
        String body = message.body() == null ? "" : message.body();
        byte[] payload;
        if (encoding == null) {
            payload = body.getBytes(StandardCharsets.UTF_8);
        } else if (EMPTY.equals(encoding)) {
            payload = new byte[0];
        } else if (BASE64.equals(encoding)) {
            try {
                payload = Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the body is marked " + BODY_ENCODING + ": " + BASE64
                        + " but is not base64 (" + e.getClass().getSimpleName() + ")", e);
            }
        } else {
            throw new IllegalArgumentException("unknown " + BODY_ENCODING + " '" + Reasons.forLog(encoding)
                    + "': expected " + BASE64 + " or " + EMPTY);
        }
        return Envelope.inbound(queue, payload, headers, receiveCount(message));
    }

    private static int receiveCount(Message message) {
        String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        try {
            return count == null ? 1 : Math.max(1, Integer.parseInt(count));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * The attributes of a message whose envelope could not be read, as headers for its dead letter: its body goes as
     * received, so the body encoding is kept under {@code outbox-original-body-encoding} instead.
     */
    static Map<String, String> rawHeaders(Message message) {
        Map<String, String> headers = headers(message.messageAttributes());
        String encoding = headers.remove(BODY_ENCODING);
        if (encoding != null) {
            headers.put("outbox-original-body-encoding", encoding);
        }
        return headers;
    }

    /** Headers from attributes: the unpacked envelope, then every String attribute. */
    static Map<String, String> headers(Map<String, MessageAttributeValue> attributes) {
        Map<String, String> headers = new LinkedHashMap<>();
        MessageAttributeValue envelope = attributes.get(ENVELOPE);
        if (envelope != null && envelope.stringValue() != null) {
            try {
                Map<String, String> unpacked = READER.readValue(envelope.stringValue());
                // A forged envelope may hold nulls: a header without a value is no header, as on Kafka.
                unpacked.values().removeIf(Objects::isNull);
                headers.putAll(unpacked);
            } catch (JsonProcessingException e) {
                // Not ours after all; keep it as a plain header below.
                headers.put(ENVELOPE, envelope.stringValue());
            }
        }
        attributes.forEach((name, value) -> {
            if (!name.equals(ENVELOPE) && value.stringValue() != null) {
                headers.put(name, value.stringValue());
            }
        });
        return headers;
    }

    private static MessageAttributeValue string(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    /** The payload as text when it is UTF-8 made only of characters SQS allows in a body, else null. */
    private static @Nullable String text(byte[] payload) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        boolean allowed = text.codePoints().allMatch(c -> c == 0x9 || c == 0xA || c == 0xD
                || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF));
        return allowed ? text : null;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
