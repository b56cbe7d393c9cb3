package dev.outbox.examples.orders;

import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /orders?customer=..&total=..} places an order; {@code GET /invoices/{orderId}} shows its invoice. */
@RestController
public class OrdersController {
    private final OrderService orders;
    private final JdbcTemplate jdbc;

    public OrdersController(OrderService orders, JdbcTemplate jdbc) {
        this.orders = orders;
        this.jdbc = jdbc;
    }

    @PostMapping("/orders")
    public Map<String, String> place(@RequestParam String customer, @RequestParam int total) {
        return Map.of("orderId", orders.place(customer, total));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<Map<String, String>> refused(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
    }

    @GetMapping("/invoices/{orderId}")
    public ResponseEntity<Map<String, Object>> invoice(@PathVariable String orderId) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT order_id, customer, amount FROM invoices WHERE order_id = ?", orderId);
        return rows.isEmpty() ? ResponseEntity.notFound().build() : ResponseEntity.ok(rows.get(0));
    }
}
