package dev.outbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.DeadLetterFilter;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.PublishResult;
import dev.outbox.testing.JdbcServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged CLI jar run as a process against a real database: every command, its output and its exit code, in
 * the order an operator would use them on a fresh database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class CliContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JAR = Path.of(System.getProperty("outbox.cli.jar",
            "target/outbox-cli-0.1.0-SNAPSHOT.jar"));

    /** A JDBC URL of a fresh namespace the CLI process can reach, with its user and password. */
    protected record Target(String url, String user, String password, DataSource dataSource, AutoCloseable owner) {
    }

    protected abstract Target createTarget() throws Exception;

    protected abstract JdbcServer.Kind kind();

    private Target target;
    private Outbox outbox;

    @BeforeAll
    void createNamespace() throws Exception {
        assertThat(JAR).as("the packaged CLI (mvn package builds it)").exists();
        target = createTarget();
        outbox = Outbox.builder().dataSource(target.dataSource()).build();
    }

    @AfterAll
    void dropNamespace() throws Exception {
        if (target != null) {
            target.owner().close();
        }
    }

    /** What a run of the CLI printed and returned. */
    record Run(int exit, String out, String err) {
    }

    private Run cli(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        if (!List.of(args).contains("--help")) {
            command.addAll(List.of("--jdbc-url", target.url()));
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        if (target.user() != null) {
            builder.environment().put("OUTBOX_DB_USER", target.user());
        }
        if (target.password() != null) {
            builder.environment().put("OUTBOX_DB_PASSWORD", target.password());
        }
        Path out = Files.createTempFile("outbox-cli", ".out");
        Path err = Files.createTempFile("outbox-cli", ".err");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("outbox " + String.join(" ", args) + " did not end within 5 minutes");
        }
        Run run = new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    @Order(1)
    void schemaVerifyNamesWhatIsMissingThenCreateMakesItComplete() throws Exception {
        Run missing = cli(null, "schema", "verify");
        assertThat(missing.exit()).isEqualTo(OutboxCli.SCHEMA_INCOMPLETE);
        assertThat(missing.err()).contains("outbox_message").contains("V1__outbox.sql");

        assertThat(cli(null, "schema", "print").out()).contains("CREATE TABLE");
        Run create = cli(null, "schema", "create");
        assertThat(create.exit()).as(create.err()).isZero();
        Run verified = cli(null, "schema", "verify");
        assertThat(verified.exit()).as(verified.err()).isZero();
        assertThat(verified.out()).contains("schema complete");
    }

    @Test
    @Order(2)
    void statsListAndShowDescribeWhatIsPendingAndWhatFailed() throws Exception {
        write("refunds", 2);
        deadLetterEverythingTo("refunds");
        write("payments", 3);

        Run stats = cli(null, "stats");
        assertThat(stats.exit()).as(stats.err()).isZero();
        assertThat(stats.out()).contains("payments").contains("Dead letters: 2").contains("relay");
        JsonNode json = JSON.readTree(cli(null, "stats", "--json").out());
        assertThat(json.get("pending").get(0).get("destination").asText()).isEqualTo("payments");
        assertThat(json.get("pending").get(0).get("availableNow").asLong()).isEqualTo(3);
        assertThat(json.get("deadLetters").get(0).get("count").asLong()).isEqualTo(2);

        Run page = cli(null, "dead-letters", "list", "--destination", "refunds", "--limit", "1");
        assertThat(page.exit()).isZero();
        assertThat(page.out()).contains("refunds").contains("more: --after ");
        JsonNode listed = JSON.readTree(cli(null, "dead-letters", "list", "--json").out());
        assertThat(listed.get("deadLetters")).hasSize(2);
        String deadLetterId = listed.get("deadLetters").get(0).get("deadLetterId").asText();
        String messageId = listed.get("deadLetters").get(0).get("messageId").asText();

        Run shown = cli(null, "dead-letters", "show", deadLetterId);
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.out()).contains(messageId).contains("payload: {\"n\":").contains("no such topic");
        assertThat(cli(null, "dead-letters", "show", messageId).out()).contains(deadLetterId);
        assertThat(cli(null, "dead-letters", "show", "999999999").exit()).isEqualTo(OutboxCli.FAILED);
    }

    @Test
    @Order(3)
    void replayAsksFirstCanBeDryRunAndReportsWhatItDid() throws Exception {
        Run dry = cli(null, "dead-letters", "replay", "--destination", "refunds", "--dry-run");
        assertThat(dry.exit()).isZero();
        assertThat(dry.out()).contains("would replay 2");
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isEqualTo(2);

        Run refused = cli("n\n", "dead-letters", "replay", "--destination", "refunds");
        assertThat(refused.exit()).isEqualTo(OutboxCli.NOT_CONFIRMED);
        assertThat(refused.err()).contains("Replay 2 dead letter(s)? [y/N]").contains("--yes");

        Run replayed = cli("y\n", "dead-letters", "replay", "--destination", "refunds");
        assertThat(replayed.exit()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("replayed 2 dead letter(s)");
        assertThat(replayed.err()).contains("replay [").contains("2/2");
        assertThat(outbox.admin().pendingByDestination()).anySatisfy(p -> {
            assertThat(p.destination()).isEqualTo("refunds");
            assertThat(p.pending()).isEqualTo(2);
        });
    }

    @Test
    @Order(4)
    void purgeNeedsAFilterOrAll() throws Exception {
        deadLetterEverythingTo("refunds");
        Run unfiltered = cli(null, "dead-letters", "purge", "--yes");
        assertThat(unfiltered.exit()).isEqualTo(OutboxCli.USAGE);
        assertThat(unfiltered.err()).contains("No filter given").contains("--all");

        Run purged = cli(null, "dead-letters", "purge", "--all", "--yes");
        assertThat(purged.exit()).as(purged.err()).isZero();
        assertThat(purged.out()).contains("purged 2 dead letter(s)");
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isZero();
    }

    @Test
    @Order(5)
    void badOptionsAndValuesAreNamed() throws Exception {
        Run unknown = cli(null, "stats", "--bogus");
        assertThat(unknown.exit()).isEqualTo(OutboxCli.USAGE);
        assertThat(unknown.err()).contains("--bogus");
        Run since = cli(null, "dead-letters", "list", "--since", "yesterday");
        assertThat(since.exit()).isEqualTo(OutboxCli.USAGE);
        assertThat(since.err()).contains("--since").contains("2026-11-30");
        Run limit = cli(null, "dead-letters", "list", "--limit", "0");
        assertThat(limit.exit()).isEqualTo(OutboxCli.USAGE);
        assertThat(limit.err()).contains("--limit");
        Run noCommand = cli(null, "dead-letters");
        assertThat(noCommand.exit()).isEqualTo(OutboxCli.USAGE);
        assertThat(cli(null, "--help").out()).contains("Exit codes");
    }

    private void write(String destination, int count) throws SQLException {
        try (Connection c = target.dataSource().getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < count; i++) {
                outbox.write(c, OutboxMessage.builder().destination(destination).key(destination + i)
                        .type("Event").payload(Map.of("n", i)).build());
            }
            c.commit();
        }
    }

    /** Runs a relay whose broker rejects everything sent to {@code destination} and acks the rest. */
    private void deadLetterEverythingTo(String destination) {
        try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(batch -> CompletableFuture.completedFuture(
                batch.stream().map(m -> m.destination().equals(destination)
                        ? PublishResult.rejected(m.id(), "no such topic " + destination)
                        : PublishResult.acked(m.id())).toList())).listenForNotifications(false).build()) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> outbox.admin().stats().pending() == 0);
        }
    }

    /** For the bulk test of a database: {@code count} dead letters inserted by SQL, then replayed in one command. */
    protected Run replayInOneCommand(String insertDeadLetters, long count) throws Exception {
        try (Connection c = target.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("DELETE FROM " + outbox.tables().message());
            s.execute(insertDeadLetters);
        }
        assertThat(outbox.admin().countDeadLetters(DeadLetterFilter.all())).isEqualTo(count);
        long start = System.nanoTime();
        Run run = cli(null, "dead-letters", "replay", "--all", "--yes");
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("[cli] %s: replayed %,d dead letters in one command in %.1f s%n", kind(), count, seconds);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains(String.format("replayed %,d", count));
        assertThat(run.err()).contains(String.format("%,d/%,d", count, count));
        assertThat(outbox.admin().stats().pending()).isEqualTo(count);
        try (Connection c = target.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("DELETE FROM " + outbox.tables().message());
        }
        return run;
    }

    static void close(AutoCloseable closeable) throws IOException {
        try {
            closeable.close();
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
