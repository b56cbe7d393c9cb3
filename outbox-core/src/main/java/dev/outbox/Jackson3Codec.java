package dev.outbox;

import dev.outbox.spi.PayloadCodec;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link PayloadCodec} for JSON through Jackson 3 ({@code tools.jackson}), the Jackson of Spring Boot 4; the same
 * rules as {@link JsonCodec} (Jackson 2). Needs {@code tools.jackson.core:jackson-databind} on the class path.
 *
 * <p>{@link #create()} uses a mapper that registers the Jackson modules found on the class path, ignores unknown
 * properties when decoding and refuses documents nested deeper than {@value JsonCodec#DEFAULT_MAX_NESTING_DEPTH}
 * levels; {@link #using(JsonMapper)} takes the application's mapper as it is configured (Jackson 3 writes dates as
 * ISO-8601 text by default). Decoding failures name the type, the error class and the position, never the payload.
 * Thread-safe.
 */
public final class Jackson3Codec implements PayloadCodec {
    private final JsonMapper mapper;

    private Jackson3Codec(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** A codec with the library's default mapper. */
    public static Jackson3Codec create() {
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(JsonCodec.DEFAULT_MAX_NESTING_DEPTH).build()).build();
        return new Jackson3Codec(JsonMapper.builder(factory)
                .findAndAddModules()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build());
    }

    /** A codec that uses the given mapper as it is configured. */
    public static Jackson3Codec using(JsonMapper mapper) {
        return new Jackson3Codec(Objects.requireNonNull(mapper, "mapper"));
    }

    @Override
    public byte[] encode(Object payload) {
        try {
            return mapper.writeValueAsBytes(payload);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("payload of type " + payload.getClass().getName()
                    + " cannot be encoded as JSON: " + e.getOriginalMessage()
                    + ". Register the Jackson module it needs, or pass a configured mapper with "
                    + "Jackson3Codec.using(...)", e);
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
        } catch (JacksonException e) {
            TokenStreamLocation location = e.getLocation();
            throw new IllegalArgumentException("payload is not JSON for " + type.getName() + ": "
                    + e.getClass().getSimpleName() + (location != null && location.getLineNr() > 0
                            ? " at line " + location.getLineNr() + ", column " + location.getColumnNr() : ""), e);
        }
    }

    @Override
    public String contentType() {
        return JsonCodec.CONTENT_TYPE;
    }
}
