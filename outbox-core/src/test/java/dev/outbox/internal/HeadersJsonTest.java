package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersJsonTest {

    @Test
    void headersSurviveARoundTripInTheirOrder() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("tenant", "acme");
        headers.put("quote\"and\\slash", "line\nbreak \u0000 \u00e9 \ud83d\ude00");
        headers.put("a", "");
        Map<String, String> decoded = HeadersJson.decode(HeadersJson.encode(headers));
        assertThat(decoded).containsExactlyEntriesOf(headers);
    }

    @Test
    void noHeadersAreNoText() {
        assertThat(HeadersJson.encode(Map.of())).isNull();
        assertThat(HeadersJson.decode(null)).isEmpty();
        assertThat(HeadersJson.decode("")).isEmpty();
    }

    @Test
    void textThatIsNotAnObjectOfStringsIsRejectedWithoutItsValues() {
        for (String json : new String[] {"[\"a\"]", "{\"a\":{\"b\":\"c\"}}", "{\"a\":null}", "{\"a\":\"secret\"",
                "not json", "{\"a\":[\"secret\"]}"}) {
            assertThatThrownBy(() -> HeadersJson.decode(json)).as(json)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("headers column")
                    .hasMessageNotContaining("secret");
        }
    }

    @Test
    void deeplyNestedTextIsRejectedNotAStackOverflow() {
        String nested = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertThatThrownBy(() -> HeadersJson.decode(nested)).isInstanceOf(IllegalArgumentException.class);
    }
}
