package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ServerUnavailableTest {

    @Test
    void missingServerSkipsWithTheVariableNamedOutsideCi() {
        assertThatThrownBy(() -> ServerUnavailable.report("Kafka", TestServers.KAFKA_BOOTSTRAP, "127.0.0.1:9092",
                "Testcontainers (no Docker engine)", false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("set OUTBOX_TEST_KAFKA_BOOTSTRAP")
                .hasMessageContaining("no Docker engine");
    }

    @Test
    void missingServerFailsTheRunUnderCi() {
        assertThatThrownBy(() -> ServerUnavailable.report("Kafka", TestServers.KAFKA_BOOTSTRAP, "127.0.0.1:9092",
                "Testcontainers (no Docker engine)", true))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("set OUTBOX_TEST_KAFKA_BOOTSTRAP")
                .hasMessageContaining("CI=true");
    }
}
