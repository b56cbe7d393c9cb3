package dev.outbox.examples.orders;

import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Places orders: the order row and its event commit together, or neither does. */
@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final String queue;

    public OrderService(JdbcTemplate jdbc, Outbox outbox, @Value("${orders.queue}") String queue) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.queue = queue;
    }

    @Transactional
    public String place(String customer, int total) {
        if (total <= 0) {
            throw new IllegalArgumentException("total must be positive");
        }
        String id = UUID.randomUUID().toString();
        jdbc.update("INSERT INTO orders (id, customer, total) VALUES (?, ?, ?)", id, customer, total);
        outbox.write(OutboxMessage.builder().destination(queue).key(id).type("OrderPlaced")
                .payload(new OrderPlaced(id, customer, total)).build());
        return id;
    }
}
