package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** The envelope as SQS message attributes, including attributes forged by whoever can send to the queue. */
class SqsEnvelopeTest {

    private static MessageAttributeValue string(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    @Test
    void headersSurviveEncodingInTheirOrder() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("outbox-message-id", "m-1");
        headers.put("tenant", "acme");
        headers.put("note", "line\nbreak \"quoted\"");
        SqsEnvelope.Encoded encoded = SqsEnvelope.encode(headers, "{}".getBytes());
        assertThat(SqsEnvelope.headers(encoded.attributes())).containsAllEntriesOf(headers);
    }

    @Test
    void aForgedEnvelopeWithNullValuesYieldsNoNullHeaders() {
        Map<String, String> headers = SqsEnvelope.headers(Map.of(
                SqsEnvelope.ENVELOPE, string("{\"outbox-message-id\":null,\"tenant\":\"acme\"}")));
        assertThat(headers).containsExactly(Map.entry("tenant", "acme"));
    }

    @Test
    void anEnvelopeThatIsNotOursStaysAPlainHeader() {
        for (String forged : new String[] {"not json", "[1,2]", "{\"a\":{\"b\":1}}", "{\"a\":" + "[".repeat(50_000)}) {
            Map<String, String> headers = SqsEnvelope.headers(Map.of(SqsEnvelope.ENVELOPE, string(forged)));
            assertThat(headers).as(forged).containsExactly(Map.entry(SqsEnvelope.ENVELOPE, forged));
        }
    }
}
