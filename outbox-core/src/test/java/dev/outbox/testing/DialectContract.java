package dev.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.Outbox;
import dev.outbox.OutboxConfigurationException;
import dev.outbox.OutboxMessage;
import dev.outbox.TableNames;
import dev.outbox.spi.Dialect;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.TraceContext;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every SQL dialect must do, run against the real database: schema creation, the transactional write of every
 * envelope field, rejection of what would break atomicity, and validation before any SQL. A dialect's test is a
 * few lines extending this class; a custom dialect's author extends it the same way.
 */
public abstract class DialectContract extends DatabaseContract {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /** The dialect under test; null (the default) lets the outbox detect it, which is then also tested. */
    protected Dialect dialect() {
        return null;
    }

    /** The name the dialect must have, detected or given. */
    protected abstract String expectedDialectName();

    @BeforeEach
    void emptyOutbox() throws SQLException {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM " + outbox.tables().message());
        }
    }

    @Override
    protected Outbox.Builder configure(Outbox.Builder builder) {
        return builder.dialect(dialect());
    }

    @Test
    void schemaCreationIsIdempotentAndVerifies() {
        outbox.schema().create();
        outbox.schema().create();
        outbox.schema().verify();
        assertThat(outbox.schema().script()).contains("CREATE TABLE IF NOT EXISTS outbox_message");
    }

    @Test
    void missingSchemaIsReportedWithTheScriptThatCreatesIt() {
        Outbox elsewhere = builder().tables(TableNames.defaults().withPrefix("absent_")).build();
        assertThatThrownBy(() -> elsewhere.schema().verify())
                .isInstanceOf(OutboxConfigurationException.class)
                .hasMessageContaining("absent_message")
                .hasMessageContaining("absent_inbox")
                .hasMessageContaining("outbox.schema().create()")
                .hasMessageContaining("V1__outbox.sql");
    }

    @Test
    void customTablePrefixWorksEndToEnd() throws SQLException {
        Outbox billing = builder().tables(TableNames.defaults().withPrefix("billing_")).build();
        billing.schema().create();
        billing.schema().verify();
        UUID id = inTransaction(c -> billing.write(c, message().build()));
        assertThat(find(billing, id)).isPresent();
        assertThat(count(outbox.tables().message())).isZero();
    }

    @Test
    void dialectIsDetectedFromTheDatabase() throws SQLException {
        try (Connection c = db.connection()) {
            assertThat(dev.outbox.jdbc.Dialects.detect(c).name()).isEqualTo(expectedDialectName());
        }
    }

    @Test
    void everyEnvelopeFieldRoundTrips() throws SQLException {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        Instant later = Instant.now().plus(Duration.ofMinutes(5));
        OutboxMessage message = OutboxMessage.builder()
                .destination("orders.événements")
                .routingKey("eu.orders")
                .key("order-42-ключ")
                .type("OrderPlaced✓")
                .rawPayload(payload, "application/octet-stream")
                .header("tenant", "acme 😀")
                .header("empty", "")
                .correlationId("corr-1")
                .causationId("cause-1")
                .traceContext(TRACEPARENT, "vendor=value")
                .availableAt(later)
                .build();
        UUID id = inTransaction(c -> outbox.write(c, message));

        OutboundMessage stored = find(outbox, id).orElseThrow();
        assertThat(stored.id()).isEqualTo(id);
        assertThat(stored.destination()).isEqualTo("orders.événements");
        assertThat(stored.routingKey()).isEqualTo("eu.orders");
        assertThat(stored.key()).isEqualTo("order-42-ключ");
        assertThat(stored.type()).isEqualTo("OrderPlaced✓");
        assertThat(stored.contentType()).isEqualTo("application/octet-stream");
        assertThat(stored.payload()).containsExactly(payload);
        assertThat(stored.headers()).containsExactly(Map.entry("tenant", "acme 😀"), Map.entry("empty", ""));
        assertThat(stored.correlationId()).isEqualTo("corr-1");
        assertThat(stored.causationId()).isEqualTo("cause-1");
        assertThat(stored.traceparent()).isEqualTo(TRACEPARENT);
        assertThat(stored.tracestate()).isEqualTo("vendor=value");
        assertThat(stored.availableAt()).isEqualTo(later.truncatedTo(ChronoUnit.MICROS));
        assertThat(stored.createdAt()).isBetween(Instant.now().minusSeconds(60), Instant.now());
        assertThat(stored.attempts()).isZero();
        assertThat(stored.partition()).isBetween(0, Outbox.DEFAULT_PARTITIONS - 1);
    }

    @Test
    void objectPayloadIsEncodedAsJson() throws SQLException {
        UUID id = inTransaction(c -> outbox.write(c, OutboxMessage.builder().destination("orders")
                .payload(Map.of("orderId", "42", "total", 1999)).build()));
        OutboundMessage stored = find(outbox, id).orElseThrow();
        assertThat(stored.contentType()).isEqualTo("application/json");
        assertThat(new String(stored.payload(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"orderId\":\"42\"").contains("\"total\":1999");
    }

    @Test
    void valuesAtEveryLimitAreStored() throws SQLException {
        String longest = "ü".repeat(255);
        OutboxMessage message = OutboxMessage.builder().destination(longest).routingKey(longest).key(longest)
                .type(longest).correlationId(longest).causationId(longest)
                .header("h".repeat(255), "v".repeat(8192))
                .rawPayload(new byte[Outbox.DEFAULT_MAX_PAYLOAD_BYTES])
                .build();
        UUID id = inTransaction(c -> outbox.write(c, message));
        OutboundMessage stored = find(outbox, id).orElseThrow();
        assertThat(stored.key()).isEqualTo(longest);
        assertThat(stored.payload()).hasSize(Outbox.DEFAULT_MAX_PAYLOAD_BYTES);
    }

    @Test
    void rollbackLeavesNothing() throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            outbox.write(c, message().build());
            assertThat(countIn(c, outbox.tables().message())).isEqualTo(1);
            c.rollback();
        }
        assertThat(count(outbox.tables().message())).isZero();
    }

    @Test
    void messageIsInvisibleToOthersUntilCommit() throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            UUID id = outbox.write(c, message().build());
            assertThat(find(outbox, id)).isEmpty();
            c.commit();
            assertThat(find(outbox, id)).isPresent();
        }
    }

    @Test
    void autoCommitConnectionIsRejectedUnlessAllowed() throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(true);
            assertThatThrownBy(() -> outbox.write(c, message().build()))
                    .isInstanceOf(OutboxConfigurationException.class)
                    .hasMessageContaining("auto-commit")
                    .hasMessageContaining("allowAutoCommit(true)");
            assertThat(count(outbox.tables().message())).isZero();

            UUID id = builder().allowAutoCommit(true).build().write(c, message().build());
            assertThat(find(outbox, id)).isPresent();
        }
    }

    @Test
    void batchWriteStoresAllInWriteOrder() throws SQLException {
        List<OutboxMessage> messages = IntStream.range(0, 100)
                .mapToObj(i -> message().key("k" + (i % 7)).header("n", Integer.toString(i)).build())
                .toList();
        List<UUID> ids = inTransaction(c -> outbox.writeAll(c, messages));
        assertThat(ids).hasSize(100).doesNotHaveDuplicates().isSorted();
        assertThat(ids).allSatisfy(id -> assertThat(id.version()).isEqualTo(7));
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT headers FROM " + outbox.tables().message() + " ORDER BY seq")) {
            List<String> order = new ArrayList<>();
            while (rs.next()) {
                order.add(dev.outbox.internal.HeadersJson.decode(rs.getString(1)).get("n"));
            }
            assertThat(order).containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(Integer::toString).toList());
        }
    }

    @Test
    void sameKeyAlwaysMapsToTheSamePartition() throws SQLException {
        List<UUID> ids = inTransaction(c -> outbox.writeAll(c, List.of(
                message().key("customer-7").build(), message().key("customer-7").build())));
        assertThat(find(outbox, ids.get(0)).orElseThrow().partition())
                .isEqualTo(find(outbox, ids.get(1)).orElseThrow().partition());
    }

    @Test
    void oneInvalidMessageInABatchWritesNothing() throws SQLException {
        List<OutboxMessage> messages = List.of(message().build(), message().key("k".repeat(256)).build());
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> outbox.writeAll(c, messages))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key");
            assertThat(countIn(c, outbox.tables().message())).isZero();
            c.rollback();
        }
    }

    @Test
    void delayedMessageIsStoredWithItsAvailableTime() throws SQLException {
        UUID id = inTransaction(c -> outbox.write(c, message().delay(Duration.ofHours(2)).build()));
        OutboundMessage stored = find(outbox, id).orElseThrow();
        assertThat(Duration.between(stored.createdAt(), stored.availableAt())).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void currentTraceContextIsCapturedAtWriteTime() throws SQLException {
        Outbox traced = builder()
                .tracePropagator(() -> Optional.of(new TraceContext(TRACEPARENT, "congo=t61rcWkgMzE")))
                .build();
        UUID id = inTransaction(c -> traced.write(c, message().build()));
        OutboundMessage stored = find(outbox, id).orElseThrow();
        assertThat(stored.traceparent()).isEqualTo(TRACEPARENT);
        assertThat(stored.tracestate()).isEqualTo("congo=t61rcWkgMzE");
    }

    @Test
    void jdbiTransactionJoinsAndRollsBack() throws SQLException {
        UUID id = db.jdbi().inTransaction(handle -> outbox.write(handle, message().build()));
        assertThat(find(outbox, id)).isPresent();

        assertThatThrownBy(() -> db.jdbi().useTransaction(handle -> {
            outbox.write(handle, message().type("Doomed").build());
            throw new IllegalStateException("business rule failed");
        })).hasMessage("business rule failed");
        int doomed = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + outbox.tables().message()
                + " WHERE message_type = 'Doomed'").mapTo(Integer.class).one());
        assertThat(doomed).isZero();
    }

    @Test
    void connectionSupplierJoinsTheCurrentTransaction() throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            Outbox supplied = builder().connectionSupplier(() -> c).build();
            UUID id = supplied.write(message().build());
            c.commit();
            assertThat(c.isClosed()).isFalse();
            assertThat(find(outbox, id)).isPresent();
        }
    }

    @Test
    void idsAreTimeOrderedVersion7() throws SQLException {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UUID id = inTransaction(c -> outbox.write(c, message().build()));
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat((id.getMostSignificantBits() >>> 16)).isBetween(before.toEpochMilli(), Instant.now().toEpochMilli());
    }

    @Test
    void invalidMessagesAreRejectedBeforeAnySqlWithTheFieldNamed() throws SQLException {
        assertRejected(() -> OutboxMessage.builder().rawPayload(new byte[0]).build(), "destination", "null");
        assertRejected(() -> message().destination("  ").build(), "destination", "blank");
        assertRejected(() -> OutboxMessage.builder().destination("d").build(), "payload");
        assertRejected(() -> message().header("h", null), "header 'h'", "null value");
        assertRejected(() -> message().header(null, "v"), "header name");
        assertRejected(() -> message().delay(Duration.ofSeconds(-1)).build(), "delay", "negative");
        assertRejectedAtWrite(message().destination("d".repeat(256)).build(), "destination", "256", "255");
        assertRejectedAtWrite(message().key("k".repeat(300)).build(), "key", "300", "255", "message_key");
        assertRejectedAtWrite(message().type("t".repeat(256)).build(), "type", "256");
        assertRejectedAtWrite(message().correlationId("c".repeat(256)).build(), "correlationId", "256");
        assertRejectedAtWrite(message().header("h", "v".repeat(8193)).build(), "header 'h'", "8193", "8192");
        assertRejectedAtWrite(message().header("h".repeat(256), "v").build(), "header name", "256");
        assertRejectedAtWrite(message().rawPayload(new byte[Outbox.DEFAULT_MAX_PAYLOAD_BYTES + 1]).build(),
                "payload", Integer.toString(Outbox.DEFAULT_MAX_PAYLOAD_BYTES + 1), "maxPayloadBytes");
        assertRejectedAtWrite(message().delay(Duration.ofDays(400)).build(), "availableAt", "400", "maxDelay");
        assertRejectedAtWrite(message().traceContext("not-a-trace", null).build(), "traceparent", "W3C");
        assertRejectedAtWrite(message().key("a\0b").build(), "key", "NUL");
        assertRejectedAtWrite(OutboxMessage.builder().destination("d").payload(new Object()).build(),
                "payload", "JSON");
        assertThat(count(outbox.tables().message())).isZero();
    }

    @Test
    void textIsMeasuredAsTheDatabaseCountsItAndMustBePrintable() throws SQLException {
        String emoji = "\uD83D\uDE00".repeat(255);
        Dialect detected;
        try (Connection c = db.connection()) {
            detected = dev.outbox.jdbc.Dialects.detect(c);
        }
        if (detected.textLength(emoji) <= 255) {
            UUID id = inTransaction(c -> outbox.write(c, message().key(emoji).build()));
            assertThat(find(outbox, id)).hasValueSatisfying(m -> assertThat(m.key()).isEqualTo(emoji));
        } else {
            assertRejectedAtWrite(message().key(emoji).build(), "key", "510", "255", detected.name());
        }
        assertRejectedAtWrite(message().key("a\r\nforged").build(), "key", "control character \\u000d");
        assertRejectedAtWrite(message().destination("orders\u0007").build(), "destination", "\\u0007");
        assertRejectedAtWrite(message().header("h", "\ud800").build(), "header 'h'", "unpaired surrogate");
        assertRejectedAtWrite(message().header("bad\nname", "v").build(), "header name");
        UUID multiLine = inTransaction(c -> outbox.write(c, message().header("note", "line 1\nline 2\ttab").build()));
        assertThat(find(outbox, multiLine)).hasValueSatisfying(m -> assertThat(m.headers())
                .containsEntry("note", "line 1\nline 2\ttab"));
    }

    @Test
    void nullsAreRejectedNamingWhatIsNull() throws SQLException {
        assertRejected(() -> message().payload(null), "payload", "null");
        assertRejected(() -> message().rawPayload(null), "rawPayload", "null");
        assertRejected(() -> message().headers(null), "headers", "null");
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            assertRejected(() -> outbox.write(c, (OutboxMessage) null), "null");
            assertRejected(() -> outbox.writeAll(c, null), "messages", "null");
            assertRejected(() -> outbox.writeAll(c, java.util.Arrays.asList(message().build(), null)),
                    "message 1 of 2", "null");
            assertRejected(() -> outbox.write((Connection) null, message().build()), "connection", "null");
            c.rollback();
        }
        assertThat(count(outbox.tables().message())).isZero();
    }

    private static void assertRejected(Runnable build, String... fragments) {
        assertThatThrownBy(build::run).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(fragments);
    }

    private void assertRejectedAtWrite(OutboxMessage message, String... fragments) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> outbox.write(c, message)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContainingAll(fragments);
            c.rollback();
        }
    }

    protected static OutboxMessage.Builder message() {
        return OutboxMessage.builder().destination("orders").type("OrderPlaced").rawPayload(new byte[] {1, 2, 3});
    }

    /** Runs {@code work} in a transaction on a pooled connection and commits. */
    protected <T> T inTransaction(SqlWork<T> work) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            T result = work.apply(c);
            c.commit();
            return result;
        }
    }

    protected Optional<OutboundMessage> find(Outbox in, UUID id) throws SQLException {
        try (Connection c = db.connection()) {
            return in.admin().pending(id);
        }
    }



    protected long count(String table) throws SQLException {
        try (Connection c = db.connection()) {
            return countIn(c, table);
        }
    }

    private static long countIn(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Work on a connection. */
    @FunctionalInterface
    protected interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }
}
