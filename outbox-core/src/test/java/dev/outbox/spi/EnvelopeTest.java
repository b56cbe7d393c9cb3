package dev.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    @Test
    void everyEnvelopeFieldReadsBackAsWritten() {
        UUID id = UUID.randomUUID();
        Instant created = Instant.parse("2026-11-25T10:15:30.123456Z");
        OutboundMessage out = new OutboundMessage(id, "orders", "eu", "order-1", 3, "OrderPlaced", "application/json",
                new byte[] {1, 2}, Map.of("tenant", "acme"), "corr", "cause",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "k=v", created, created, 0);

        InboundMessage in = Envelope.inbound("orders", out.payload(), Envelope.headers(out), 2);

        assertThat(in.id()).isEqualTo(id.toString());
        assertThat(in.key()).isEqualTo("order-1");
        assertThat(in.type()).isEqualTo("OrderPlaced");
        assertThat(in.contentType()).isEqualTo("application/json");
        assertThat(in.correlationId()).isEqualTo("corr");
        assertThat(in.causationId()).isEqualTo("cause");
        assertThat(in.traceparent()).isEqualTo(out.traceparent());
        assertThat(in.tracestate()).isEqualTo("k=v");
        assertThat(in.createdAt()).isEqualTo(created);
        assertThat(in.headers()).containsExactly(Map.entry("tenant", "acme"));
        assertThat(in.payload()).containsExactly(1, 2);
        assertThat(in.deliveryAttempt()).isEqualTo(2);
    }

    @Test
    void envelopeFieldsWinOverUserHeadersOfTheSameName() {
        UUID id = UUID.randomUUID();
        OutboundMessage out = new OutboundMessage(id, "orders", null, null, 0, null, null, new byte[0],
                Map.of(Envelope.MESSAGE_ID, "forged"), null, null, null, null, Instant.now(), Instant.now(), 0);
        assertThat(Envelope.headers(out)).containsEntry(Envelope.MESSAGE_ID, id.toString());
    }

    @Test
    void blankIdAndUnreadableTimeAreTreatedAsAbsent() {
        InboundMessage in = Envelope.inbound("q", new byte[0],
                Map.of(Envelope.MESSAGE_ID, " ", Envelope.CREATED_AT, "yesterday"), 0);
        assertThat(in.id()).isNull();
        assertThat(in.createdAt()).isNull();
    }

    @Test
    void deadLetterHeadersCarryTheMessageTheReasonAndTheOrigin() {
        InboundMessage in = Envelope.inbound("orders", new byte[0],
                Map.of(Envelope.MESSAGE_ID, "m-1", Envelope.TYPE, "OrderPlaced", "tenant", "acme"), 3);
        Map<String, String> headers = Envelope.deadLetterHeaders(in, new ConsumeOutcome.DeadLettered(
                "handler failed 3 time(s)", new IllegalStateException("x"), 3, false));
        assertThat(headers).containsEntry(Envelope.MESSAGE_ID, "m-1").containsEntry(Envelope.TYPE, "OrderPlaced")
                .containsEntry("tenant", "acme").containsEntry(Envelope.DEAD_LETTER_REASON, "handler failed 3 time(s)")
                .containsEntry(Envelope.ORIGINAL_DESTINATION, "orders").containsEntry(Envelope.ATTEMPTS, "3")
                .containsEntry(Envelope.ERROR_CLASS, "java.lang.IllegalStateException");
    }
}
