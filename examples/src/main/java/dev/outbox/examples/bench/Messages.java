package dev.outbox.examples.bench;

import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** The benchmarks' messages: 200-byte JSON payloads over {@value #KEYS} keys, and the outbox filled with them. */
final class Messages {
    static final int PAYLOAD_BYTES = 200;
    static final int KEYS = 10_000;
    private static final byte[] PAYLOAD = ("{\"order\":\"" + "x".repeat(PAYLOAD_BYTES - 13) + "\"}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final int WRITE_BATCH = 1_000;

    private Messages() {
    }

    static OutboxMessage message(long n, String destination) {
        return OutboxMessage.builder().destination(destination).key("order-" + (n % KEYS)).type("OrderPlaced")
                .rawPayload(PAYLOAD, "application/json").build();
    }

    /** Message {@code n} as the relay hands it to a publisher, for the raw clients. */
    static OutboundMessage outbound(long n, String destination) {
        OutboxMessage m = message(n, destination);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return new OutboundMessage(UUID.randomUUID(), destination, null, m.key(), 0, m.type(), m.contentType(),
                PAYLOAD, Map.of(), null, null, null, null, now, now, 0);
    }

    /** Writes {@code messages} messages in transactions of {@value #WRITE_BATCH}, then analyzes the table. */
    static void prefill(DataSource dataSource, Outbox outbox, int messages, String destination) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            List<OutboxMessage> batch = new ArrayList<>(WRITE_BATCH);
            for (int i = 0; i < messages; i++) {
                batch.add(message(i, destination));
                if (batch.size() == WRITE_BATCH || i == messages - 1) {
                    outbox.writeAll(c, batch);
                    c.commit();
                    batch.clear();
                }
            }
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("ANALYZE " + outbox.tables().message());
        }
    }

    static void truncate(DataSource dataSource, Outbox outbox) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE " + outbox.tables().message() + ", " + outbox.tables().partitionLease() + ", "
                    + outbox.tables().relayInstance() + ", " + outbox.tables().deadLetter());
        }
    }

    static long pending(DataSource dataSource, Outbox outbox) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT COUNT(*) FROM " + outbox.tables().message())) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
