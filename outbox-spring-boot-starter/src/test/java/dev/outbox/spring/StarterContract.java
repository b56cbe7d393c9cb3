package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.testing.JdbcServer;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the starter must do for an application on each database, against the real database and RabbitMQ: the
 * application (with its own Flyway {@code V1__}) starts with the outbox tables, a rollback publishes nothing, a
 * commit publishes at once (after-commit wake-up), a {@code JdbcTemplate} handler that fails once leaves one row,
 * health follows the relay and the oldest message, the endpoint lists and replays dead letters, gauges survive a
 * GC, and shutdown stops the relay before the pool closes, without errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
abstract class StarterContract {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestDatabase database;
    private String url;
    private Connection rabbit;
    private String queue;

    protected abstract JdbcServer server();

    @BeforeAll
    void createDatabaseAndQueue() throws Exception {
        if (server().kind() == JdbcServer.Kind.H2) {
            // Spring's H2 user is "sa": the database is created by the application's pool, not the suite's.
            url = "jdbc:h2:mem:" + TestServers.uniqueName("spring").replace('-', '_') + ";DB_CLOSE_DELAY=-1";
        } else {
            database = server().createDatabase("spring");
            url = database.url();
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(TestServers.rabbitmq());
        rabbit = factory.newConnection("starter-test");
        queue = TestServers.uniqueName("spring-orders");
        try (Channel channel = rabbit.createChannel()) {
            channel.queueDeclare(queue, true, false, false, Map.of());
        }
    }

    @AfterAll
    void dropDatabaseAndQueue() throws Exception {
        if (rabbit != null) {
            try (Channel channel = rabbit.createChannel()) {
                channel.queueDelete(queue);
            }
            rabbit.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /** Starts the application on this suite's database and RabbitMQ, with {@code extra} properties. */
    private ConfigurableApplicationContext start(String... extra) {
        List<String> properties = new ArrayList<>(List.of(
                "spring.datasource.url=" + url,
                "spring.liquibase.enabled=false",
                "spring.rabbitmq.addresses=" + TestServers.rabbitmq(),
                "test.destination=" + queue,
                "outbox.relay.min-poll-interval=50ms",
                "outbox.relay.max-poll-interval=5s",
                "outbox.relay.listen-for-notifications=false",
                "spring.main.banner-mode=off"));
        if (server().user() != null && server().kind() != JdbcServer.Kind.H2) {
            properties.add("spring.datasource.username=" + server().user());
        }
        if (server().password() != null && server().kind() != JdbcServer.Kind.H2) {
            properties.add("spring.datasource.password=" + server().password());
        }
        properties.addAll(List.of(extra));
        return new SpringApplicationBuilder(OrdersApp.class, Metrics.class).properties(properties.toArray(String[]::new))
                .run();
    }

    /** A registry of the application's, so that the gauges are read as Boot would. */
    static class Metrics {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void anApplicationWithItsOwnV1MigrationStartsWithTheOutboxTables() {
        try (ConfigurableApplicationContext app = start()) {
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForList("SELECT " + q("version") + " FROM " + q("flyway_schema_history"),
                    String.class)).as("the application's own history").contains("1").doesNotContain("2");
            assertThat(jdbc.queryForList("SELECT " + q("version") + " FROM " + q("outbox_schema_history")
                    + " ORDER BY " + q("installed_rank"), String.class)).as("the outbox's own history")
                    .contains("1", "2");
            app.getBean(Outbox.class).schema().verify();
        }
    }

    @Test
    void liquibaseModeRunsTheOutboxChangeLogWithChangeLogTablesOfItsOwn() {
        try (ConfigurableApplicationContext app = start("outbox.schema.mode=liquibase", "outbox.table-prefix=lb_",
                "spring.flyway.enabled=false", "outbox.relay.enabled=false")) {
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForList("SELECT id FROM lb_databasechangelog ORDER BY orderexecuted", String.class))
                    .containsExactly("outbox-schema-1", "outbox-schema-2");
            app.getBean(Outbox.class).schema().verify();
            assertThat(app.getBean(Outbox.class).tables().message()).isEqualTo("lb_message");
        }
    }

    @Test
    void anInvalidPropertyStopsStartupNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("outbox.notify-interval=5s")).hasStackTraceContaining(
                "Property outbox.notify-interval with value 'PT5S' is invalid: Outbox.builder().notifyInterval(PT5S)");
        assertThatThrownBy(() -> start("outbox.relay.batch-size=0")).hasStackTraceContaining(
                "Property outbox.relay.batch-size with value '0' is invalid");
        assertThat(output).contains("Invalid value '0' for configuration property 'outbox.relay.batch-size'");
    }

    @Test
    void aRollbackPublishesNothingAndACommitPublishesAtOnce() throws Exception {
        try (ConfigurableApplicationContext app = start()) {
            OrdersApp.Orders orders = app.getBean(OrdersApp.Orders.class);
            Outbox outbox = app.getBean(Outbox.class);
            emptied(outbox);
            String refused = UUID.randomUUID().toString();
            assertThatThrownBy(() -> orders.place(refused, 10, true)).isInstanceOf(IllegalStateException.class);
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + outbox.tables().message()
                    + " WHERE message_key = ?", Integer.class, refused)).as("the rolled-back event").isZero();
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders WHERE id = ?", Integer.class, refused))
                    .as("the rolled-back order").isZero();

            long committed = System.nanoTime();
            String id = orders.place(20, false);
            GetResponse received = await().atMost(WAIT).pollInterval(Duration.ofMillis(1))
                    .until(() -> get(queue), r -> r != null);
            long millis = (System.nanoTime() - committed) / 1_000_000;
            System.out.printf("[starter] %s: commit -> publish %d ms (after-commit wake-up)%n", server().kind(),
                    millis);
            assertThat(new String(received.getBody(), StandardCharsets.UTF_8)).contains(id);
            assertThat(received.getProps().getHeaders()).containsKey(Envelope.KEY);
            assertThat(get(queue)).as("the rolled-back order's event").isNull();
            assertThat(millis).as("published long before the 5 s poll").isLessThan(5_000);
        }
    }

    @Test
    void aJdbcTemplateHandlerThatFailsOnceLeavesExactlyOneRow() {
        try (ConfigurableApplicationContext app = start("outbox.consumer.retry.initial=1ms",
                "outbox.consumer.retry.max=5ms", "outbox.relay.enabled=false")) {
            IdempotentConsumer invoices = app.getBean(IdempotentConsumer.class);
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            String messageId = UUID.randomUUID().toString();
            InboundMessage message = Envelope.inbound(queue, "{\"orderId\":\"o-1\",\"total\":5}"
                    .getBytes(StandardCharsets.UTF_8), Map.of(Envelope.MESSAGE_ID, messageId), 1);

            assertThat(invoices.process(message)).isInstanceOf(ConsumeOutcome.Processed.class);
            assertThat(invoices.process(message)).isInstanceOf(ConsumeOutcome.Duplicate.class);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM invoices WHERE message_id = ?", Integer.class,
                    messageId)).isEqualTo(1);
        }
    }

    @Test
    void healthGoesDownWithTheRelayStoppedAndWithAnOldMessage() throws Exception {
        try (ConfigurableApplicationContext app = start("outbox.health.max-oldest-pending-age=1s")) {
            OutboxHealthIndicator health = app.getBean(OutboxHealthIndicator.class);
            assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

            app.getBean(OutboxRelayLifecycle.class).stop();
            assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health(true).getDetails()).containsEntry("relay", "stopped");
        }
        try (ConfigurableApplicationContext app = start("outbox.health.max-oldest-pending-age=1s",
                "outbox.relay.enabled=false")) {
            OutboxHealthIndicator health = app.getBean(OutboxHealthIndicator.class);
            app.getBean(OrdersApp.Orders.class).place(30, false);
            assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
            await().atMost(WAIT).until(() -> health.health(true).getStatus().equals(Status.DOWN));
            app.getBean(JdbcTemplate.class).update("DELETE FROM " + app.getBean(Outbox.class).tables().message());
        }
    }

    @Test
    void theEndpointListsAndReplaysADeadLetter() {
        try (ConfigurableApplicationContext app = start()) {
            Outbox outbox = app.getBean(Outbox.class);
            OutboxEndpoint endpoint = app.getBean(OutboxEndpoint.class);
            String exchange = "spring-missing-" + UUID.randomUUID();
            // A message to an exchange that does not exist is dead-lettered by the relay at once.
            app.getBean(TransactionTemplate.class).executeWithoutResult(status -> outbox.write(OutboxMessage.builder()
                    .destination(exchange).routingKey("orders").key("k").type("OrderPlaced").payload(Map.of("a", 1))
                    .build()));
            await().atMost(WAIT).until(() -> outbox.admin().stats().deadLetters() == 1);

            Map<String, Object> page = endpoint.read(null, exchange, null, null, null, null, null, null, null, null);
            assertThat(page).containsEntry("deadLettersMatching", 1L);
            assertThat((List<?>) page.get("page")).singleElement()
                    .satisfies(d -> assertThat(((Map<?, ?>) d).get("destination")).isEqualTo(exchange));

            assertThatThrownBy(() -> endpoint.replay(null, null, null, null, null, null, null, null, null))
                    .hasMessageContaining("no filter given");
            assertThat(endpoint.replay(null, exchange, null, null, null, null, null, null, null))
                    .containsEntry("replayed", 1L);
            // Replayed, published again, and dead-lettered again: the exchange still does not exist.
            await().atMost(WAIT).until(() -> outbox.admin().stats().deadLetters() == 1
                    && outbox.admin().stats().pending() == 0);
            assertThat(endpoint.purge(null, exchange, null, null, null, null, null, null, null))
                    .containsEntry("purged", 1L);
        }
    }

    @Test
    void gaugesReportNumbersAfterAGarbageCollection() {
        try (ConfigurableApplicationContext app = start("outbox.relay.enabled=false")) {
            MeterRegistry registry = app.getBean(MeterRegistry.class);
            System.gc();
            System.gc();
            assertThat(registry.get("outbox.pending").gauge().value()).isNotNaN();
            assertThat(registry.get("outbox.dead.letters").gauge().value()).isNotNaN();
        }
    }

    @Test
    void shutdownStopsTheRelayBeforeThePoolClosesWithoutErrors(CapturedOutput output) throws Exception {
        ConfigurableApplicationContext app = start();
        OutboxRelayLifecycle relay = app.getBean(OutboxRelayLifecycle.class);
        assertThat(relay.isRunning()).isTrue();
        Outbox outbox = app.getBean(Outbox.class);
        app.getBean(OrdersApp.Orders.class).place(40, false);
        await().atMost(WAIT).until(() -> outbox.admin().stats().pending() == 0);
        app.getBean(OrdersApp.Orders.class).place(41, false);
        app.close();
        assertThat(relay.isRunning()).isFalse();
        assertThat(output.getAll()).doesNotContain(" ERROR ").doesNotContain("Exception in thread");
    }

    /**
     * Waits until the relay has published what earlier tests left in the outbox (a relay closed mid-batch, or one
     * that was disabled), then empties the queue: the suite's database and queue outlive each application.
     */
    private void emptied(Outbox outbox) throws Exception {
        await().atMost(WAIT).until(() -> outbox.admin().stats().pending() == 0);
        while (get(queue) != null) {
            // an event of an earlier test
        }
    }

    /** {@code name} as Flyway created it: H2 keeps its lower-case names only when quoted. */
    private String q(String name) {
        return server().kind() == JdbcServer.Kind.H2 ? '"' + name + '"' : name;
    }

    private GetResponse get(String from) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            return channel.basicGet(from, true);
        }
    }
}
