package dev.outbox.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.OutboundMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RabbitEnvelopeTest {
    private static final Instant CREATED = Instant.parse("2026-11-30T12:00:00.123456Z");

    private static OutboundMessage message(String type) {
        return new OutboundMessage(UUID.randomUUID(), "orders", null, "order-1", 0, type, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8), Map.of("tenant", "acme"), "corr-1", "cause-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null, CREATED, CREATED, 0);
    }

    @Test
    void fieldsWithAnAmqpPropertyTravelAsPropertiesOnly() {
        OutboundMessage m = message("OrderPlaced");
        AMQP.BasicProperties props = RabbitEnvelope.properties(m);

        assertThat(props.getMessageId()).isEqualTo(m.id().toString());
        assertThat(props.getType()).isEqualTo("OrderPlaced");
        assertThat(props.getContentType()).isEqualTo("application/json");
        assertThat(props.getCorrelationId()).isEqualTo("corr-1");
        assertThat(props.getDeliveryMode()).isEqualTo(2);
        assertThat(props.getHeaders()).containsOnlyKeys("tenant", Envelope.KEY, Envelope.CAUSATION_ID,
                Envelope.CREATED_AT, Envelope.TRACEPARENT);

        InboundMessage read = RabbitEnvelope.inbound("orders", props, m.payload(), false);
        assertThat(read.id()).isEqualTo(m.id().toString());
        assertThat(read.type()).isEqualTo("OrderPlaced");
        assertThat(read.contentType()).isEqualTo("application/json");
        assertThat(read.correlationId()).isEqualTo("corr-1");
        assertThat(read.causationId()).isEqualTo("cause-1");
        assertThat(read.key()).isEqualTo("order-1");
        assertThat(read.createdAt()).isEqualTo(CREATED);
        assertThat(read.headers()).containsEntry("tenant", "acme");
    }

    @Test
    void aFieldTooLongForItsPropertyTravelsAsAHeader() {
        String type = "T".repeat(300);
        AMQP.BasicProperties props = RabbitEnvelope.properties(message(type));

        assertThat(props.getType()).isNull();
        assertThat(props.getHeaders()).containsEntry(Envelope.TYPE, type);
        assertThat(RabbitEnvelope.inbound("orders", props, new byte[0], false).type()).isEqualTo(type);
    }

    @Test
    void headersWrittenByEarlierVersionsWinOverProperties() {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().messageId("from-property")
                .headers(Map.of(Envelope.MESSAGE_ID, "from-header")).build();

        assertThat(RabbitEnvelope.inbound("orders", props, new byte[0], false).id()).isEqualTo("from-header");
    }
}
