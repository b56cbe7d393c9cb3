package dev.outbox.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.Jackson3Codec;
import dev.outbox.JsonCodec;
import dev.outbox.spi.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Jackson 2 and Jackson 3 codecs keep the same rules. */
class JsonCodecsTest {
    record Order(String id, int total) {
    }

    record Placed(String id, Instant at) {
    }

    record Node(Node next) {
    }

    static Stream<PayloadCodec> codecs() {
        return Stream.of(JsonCodec.create(), Jackson3Codec.create());
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void roundTripsRecordsAndToleratesUnknownFields(PayloadCodec codec) {
        Order order = new Order("o-1", 1999);
        assertThat(codec.decode(codec.encode(order), Order.class)).isEqualTo(order);
        assertThat(codec.decode("{\"id\":\"o-2\",\"total\":1,\"added\":true}".getBytes(StandardCharsets.UTF_8),
                Order.class).id()).isEqualTo("o-2");
        assertThat(codec.contentType()).isEqualTo("application/json");
    }

    @Test
    void jackson3WritesTimesAsIsoTextWithoutAModule() {
        Placed placed = new Placed("o-1", Instant.parse("2026-11-30T12:00:00Z"));
        byte[] json = Jackson3Codec.create().encode(placed);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"2026-11-30T12:00:00Z\"");
        assertThat(Jackson3Codec.create().decode(json, Placed.class)).isEqualTo(placed);
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void refusesDeepNestingAndMalformedInputNamingTheTypeNotTheContent(PayloadCodec codec) {
        String deep = "{\"next\":".repeat(5_000) + "null" + "}".repeat(5_000);
        assertThatThrownBy(() -> codec.decode(deep.getBytes(StandardCharsets.UTF_8), Node.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Node.class.getName());
        assertThatThrownBy(() -> codec.decode("{\"id\":\"secret-value".getBytes(StandardCharsets.UTF_8),
                Order.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Order.class.getName())
                .hasMessageNotContaining("secret-value");
    }
}
