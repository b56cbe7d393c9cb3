package dev.outbox.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** User headers as the JSON object text stored in the {@code headers} column. */
public final class HeadersJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Resolved once: readValue(json, typeReference) resolves the type and its deserializer on every call. */
    private static final ObjectReader READER = MAPPER.readerFor(new TypeReference<LinkedHashMap<String, String>>() { });
    private static final ObjectWriter WRITER = MAPPER.writerFor(new TypeReference<Map<String, String>>() { });

    private HeadersJson() {
    }

    /** JSON text, or null for no headers (the column stays NULL). */
    public static String encode(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return null;
        }
        try {
            return WRITER.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("string headers always encode as JSON", e);
        }
    }

    /**
     * The headers stored as {@code json}; empty for NULL.
     *
     * @throws IllegalArgumentException when the text is not a JSON object of strings (a row not written by the
     *     library); the message names no value
     */
    public static Map<String, String> decode(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            Map<String, String> headers = READER.readValue(json);
            if (headers == null || headers.containsKey(null) || headers.containsValue(null)) {
                throw new IllegalArgumentException("the headers column holds null names or values");
            }
            return headers;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the headers column is not a JSON object of strings ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }
}
