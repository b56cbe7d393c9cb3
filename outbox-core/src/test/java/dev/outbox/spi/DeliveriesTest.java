package dev.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class DeliveriesTest {
    private final List<String> sent = new ArrayList<>();
    private final Deliveries.DeadLetterSender sender = (m, dead) -> sent.add(dead.reason());

    @Test
    void processedAndDuplicatesAreAcknowledged() {
        assertThat(Deliveries.of(m -> new ConsumeOutcome.Processed()).settle(message("a"), sender)).isTrue();
        assertThat(Deliveries.of(m -> new ConsumeOutcome.Duplicate()).settle(message("a"), sender)).isTrue();
        assertThat(sent).isEmpty();
    }

    @Test
    void aMalformedDeliveryIsDeadLetteredRaw() {
        Deliveries deliveries = Deliveries.of(m -> new ConsumeOutcome.Processed());
        assertThat(deliveries.settle(() -> {
            throw new IllegalArgumentException("not base64");
        }, "orders", new byte[] {1}, Map.of("case", "x"), sender)).isTrue();
        assertThat(sent).singleElement().satisfies(r -> assertThat(r).startsWith("malformed envelope: ")
                .contains("not base64"));
    }

    @Test
    void aMessageThatKeepsComingBackUnsettledIsDeadLetteredAtTheCap() {
        Deliveries deliveries = Deliveries.of(m -> {
            throw new StackOverflowError("deep");
        }, 3);
        assertThat(deliveries.settle(message("a"), sender)).isFalse();
        assertThat(deliveries.settle(message("a"), sender)).isFalse();
        assertThat(deliveries.settle(message("a"), sender)).isTrue();
        assertThat(sent).singleElement().satisfies(r -> assertThat(r).startsWith("not processed after 3 deliveries")
                .contains("StackOverflowError"));
    }

    @Test
    void anOutageIsNeverCounted() {
        Deliveries deliveries = Deliveries.of(m -> new ConsumeOutcome.NotProcessed("db down", null, true), 2);
        for (int i = 0; i < 10; i++) {
            assertThat(deliveries.settle(message("a"), sender)).isFalse();
        }
        assertThat(sent).isEmpty();
    }

    @Test
    void aDeadLetterTheBrokerRefusesIsStoredByTheProcessorOrLeftForRedelivery() {
        AtomicBoolean stores = new AtomicBoolean(true);
        MessageProcessor processor = new MessageProcessor() {
            @Override
            public ConsumeOutcome process(InboundMessage message) {
                return new ConsumeOutcome.DeadLettered("poison", null, 1, false);
            }

            @Override
            public boolean storeDeadLetter(InboundMessage message, ConsumeOutcome.DeadLettered outcome) {
                return stores.get();
            }
        };
        Deliveries deliveries = Deliveries.of(processor);
        Deliveries.DeadLetterSender refusing = (m, dead) -> {
            throw new IllegalStateException("the sender has a bug");
        };
        assertThat(deliveries.settle(message("a"), refusing)).isTrue();
        stores.set(false);
        assertThat(deliveries.settle(message("b"), refusing)).isFalse();
    }

    private static InboundMessage message(String id) {
        return Envelope.inbound("orders", new byte[0], Map.of(Envelope.MESSAGE_ID, id), 1);
    }
}
