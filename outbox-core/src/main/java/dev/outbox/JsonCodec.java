package dev.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.outbox.spi.PayloadCodec;
import java.io.IOException;
import java.util.Objects;

/**
 * The default {@link PayloadCodec}: JSON through Jackson.
 *
 * <p>{@link #create()} uses a mapper that registers the Jackson modules found on the classpath (add
 * {@code jackson-datatype-jsr310} for {@code java.time} fields), writes dates as ISO-8601 text and ignores
 * unknown properties when decoding, so consumers tolerate fields added by newer producers. Pass your own
 * configured mapper with {@link #using(ObjectMapper)}.
 */
public final class JsonCodec implements PayloadCodec {
    /** The content type stored with JSON payloads. */
    public static final String CONTENT_TYPE = "application/json";

    private final ObjectMapper mapper;

    private JsonCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A codec with the library's default mapper. */
    public static JsonCodec create() {
        return new JsonCodec(new ObjectMapper()
                .findAndRegisterModules()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    }

    /** A codec that uses the given mapper as it is configured; the mapper must not be reconfigured later. */
    public static JsonCodec using(ObjectMapper mapper) {
        return new JsonCodec(Objects.requireNonNull(mapper, "mapper"));
    }

    @Override
    public byte[] encode(Object payload) {
        try {
            return mapper.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload of type " + payload.getClass().getName()
                    + " cannot be encoded as JSON: " + e.getOriginalMessage()
                    + ". Register the Jackson module it needs, or pass a configured mapper with JsonCodec.using(...)",
                    e);
        }
    }

    @Override
    public <T> T decode(byte[] bytes, Class<T> type) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("payload is not JSON for " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }
}
