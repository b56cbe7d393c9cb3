package dev.outbox.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** User headers as the JSON object text stored in the {@code headers} column. */
public final class HeadersJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() { };

    private HeadersJson() {
    }

    /** JSON text, or null for no headers (the column stays NULL). */
    public static String encode(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return null;
        }
        try {
            return MAPPER.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("string headers always encode as JSON", e);
        }
    }

    public static Map<String, String> decode(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return MAPPER.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("headers column does not hold a JSON object of strings: " + json, e);
        }
    }
}
