package dev.outbox.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's code, compiled and run here so that it never rots. Keep the two in step. */
class ReadmeExamplesTest {
    private static TestDatabase db;

    @BeforeAll
    static void database() throws SQLException {
        db = TestServers.h2().createDatabase("readme");
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, total INT NOT NULL)");
        }
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Test
    void plainJdbcAndJdbiWriteTheOrderAndItsEventTogether() throws SQLException {
        DataSource dataSource = db.dataSource();
        Jdbi jdbi = Jdbi.create(dataSource);

        // README: "Write an event in your transaction"
        Outbox outbox = Outbox.builder().dataSource(dataSource).build();
        outbox.schema().create();     // or apply dev/outbox/jdbc/<dialect>/V1__outbox.sql with your migrations

        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, total) VALUES (?, ?)")) {
                ps.setString(1, "order-42");
                ps.setInt(2, 1999);
                ps.executeUpdate();
            }
            outbox.write(c, OutboxMessage.builder()
                    .destination("orders").key("order-42").type("OrderPlaced")
                    .payload(Map.of("orderId", "order-42", "total", 1999))
                    .build());
            c.commit();
        }

        jdbi.useTransaction(handle -> {
            handle.execute("INSERT INTO orders (id, total) VALUES (?, ?)", "order-43", 2500);
            outbox.write(handle, OutboxMessage.builder()
                    .destination("orders").key("order-43").type("OrderPlaced")
                    .payload(Map.of("orderId", "order-43", "total", 2500))
                    .build());
        });
        // end of README code

        int events = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM outbox_message WHERE message_key IN "
                + "(SELECT id FROM orders)").mapTo(Integer.class).one());
        assertThat(events).isEqualTo(2);
    }
}
