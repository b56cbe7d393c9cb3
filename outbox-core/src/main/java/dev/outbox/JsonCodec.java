package dev.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.outbox.spi.PayloadCodec;
import java.io.IOException;
import java.util.Objects;

/**
 * The default {@link PayloadCodec}: JSON through Jackson 2.
 *
 * <p>{@link #create()} uses a mapper that registers the Jackson modules found on the classpath (add
 * {@code jackson-datatype-jsr310} for {@code java.time} fields), writes dates as ISO-8601 text, ignores unknown
 * properties when decoding (so consumers tolerate fields added by newer producers) and refuses documents nested
 * deeper than {@value #DEFAULT_MAX_NESTING_DEPTH} levels, so a hostile payload cannot exhaust a consumer's stack.
 * Pass your own configured mapper with {@link #using(ObjectMapper)}.
 *
 * <p>Decoding failures name the target type, the parser's error class and the position, never the payload's
 * content: they end up in dead-letter reasons and logs. Thread-safe.
 */
public final class JsonCodec implements PayloadCodec {
    /** The content type stored with JSON payloads. */
    public static final String CONTENT_TYPE = "application/json";
    /** Deepest nesting of arrays and objects accepted when decoding: far beyond any event, far below a stack. */
    public static final int DEFAULT_MAX_NESTING_DEPTH = 200;

    private final ObjectMapper mapper;

    private JsonCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A codec with the library's default mapper. */
    public static JsonCodec create() {
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(DEFAULT_MAX_NESTING_DEPTH).build()).build();
        return new JsonCodec(new ObjectMapper(factory)
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

    /**
     * @throws IllegalArgumentException naming the type, the error class and the position when {@code bytes} are
     *     not JSON for {@code type}
     */
    @Override
    public <T> T decode(byte[] bytes, Class<T> type) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("payload is not JSON for " + type.getName() + ": "
                    + e.getClass().getSimpleName() + where(e), e);
        }
    }

    private static String where(IOException e) {
        if (e instanceof JsonProcessingException json) {
            JsonLocation location = json.getLocation();
            if (location != null && location.getLineNr() > 0) {
                return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            }
        }
        return "";
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }
}
