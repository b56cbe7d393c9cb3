package dev.outbox.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuickstartTest {

    @Test
    void quickstartCommitsOneEventDropsTheRolledBackOneAndPublishesIt() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Quickstart.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("Committed order-1").contains("Rolled back order-2");
        assertThat(output.lines().filter(line -> line.contains("-> orders"))).hasSize(1);
        assertThat(output).contains("key=order-1").doesNotContain("key=order-2");
        assertThat(output.lines().filter(line -> line.startsWith("Relay published"))).hasSize(1)
                .allMatch(line -> line.contains("key order-1"));
        assertThat(output).contains("Outbox pending after the relay: 0");
    }
}
