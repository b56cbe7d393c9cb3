package dev.outbox.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The example end to end on the real PostgreSQL and RabbitMQ: an order placed over HTTP is invoiced once through
 * the outbox, the relay, RabbitMQ and the idempotent consumer; a refused order leaves no event; the actuator shows
 * the outbox healthy and its statistics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrdersApplicationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void anOrderIsInvoicedOnceThroughTheOutbox() throws Exception {
        HttpResponse<String> placed = send("POST", "/orders?customer=ada&total=1999");
        assertThat(placed.statusCode()).isEqualTo(200);
        String orderId = placed.body().replaceAll(".*\"orderId\":\"([^\"]+)\".*", "$1");

        await().atMost(Duration.ofSeconds(30)).until(() -> send("GET", "/invoices/" + orderId).statusCode() == 200);
        assertThat(send("GET", "/invoices/" + orderId).body()).contains("\"amount\":1999");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM invoices WHERE order_id = ?", Integer.class, orderId))
                .isEqualTo(1);
    }

    @Test
    void aRefusedOrderLeavesNoEvent() throws Exception {
        long before = jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class);
        assertThat(send("POST", "/orders?customer=bob&total=0").statusCode()).isEqualTo(400);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class)).isEqualTo(before);
    }

    @Test
    void theActuatorShowsTheOutbox() throws Exception {
        HttpResponse<String> health = send("GET", "/actuator/health");
        assertThat(health.body()).contains("\"outbox\"").contains("\"relay\":\"running\"");
        HttpResponse<String> outbox = send("GET", "/actuator/outbox");
        assertThat(outbox.statusCode()).isEqualTo(200);
        assertThat(outbox.body()).contains("\"pending\"").contains("\"deadLetters\"");
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
