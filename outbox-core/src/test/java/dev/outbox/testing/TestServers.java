package dev.outbox.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds the real servers the suites run against, the same way in every module. For each server, in order:
 *
 * <ol>
 *   <li>its environment variable ({@link #POSTGRES_URL}, {@link #MYSQL_URL}, {@link #KAFKA_BOOTSTRAP},
 *       {@link #RABBITMQ_URI}, {@link #SQS_ENDPOINT});
 *   <li>a Testcontainers container, when a Docker engine is reachable;
 *   <li>a server on its default local port (PostgreSQL, MariaDB, RabbitMQ), as a developer machine has;
 *   <li>a real server started without Docker from Maven Central artifacts on the test classpath, in a child JVM
 *       (Kafka in KRaft mode, ElasticMQ);
 *   <li>otherwise the suite is skipped with a printed reason naming the variable, or fails under {@code CI=true}.
 * </ol>
 *
 * Each server is found once per test JVM and shared; suites isolate themselves with
 * {@link JdbcServer#createDatabase(String)} and {@link #uniqueName(String)}.
 */
public final class TestServers {
    /** JDBC URL with credentials, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}. */
    public static final String POSTGRES_URL = "OUTBOX_TEST_POSTGRES_URL";
    /** JDBC URL with credentials, e.g. {@code jdbc:mariadb://127.0.0.1:3306/test?user=root}. */
    public static final String MYSQL_URL = "OUTBOX_TEST_MYSQL_URL";
    /** Bootstrap servers, e.g. {@code 127.0.0.1:9092}. */
    public static final String KAFKA_BOOTSTRAP = "OUTBOX_TEST_KAFKA_BOOTSTRAP";
    /** AMQP URI, e.g. {@code amqp://guest:guest@127.0.0.1:5672}. */
    public static final String RABBITMQ_URI = "OUTBOX_TEST_RABBITMQ_URI";
    /** SQS endpoint, e.g. {@code http://127.0.0.1:9324}. */
    public static final String SQS_ENDPOINT = "OUTBOX_TEST_SQS_ENDPOINT";

    private static final String LOCAL_POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final String LOCAL_MYSQL = "jdbc:mariadb://127.0.0.1:3306/test?user=root";
    private static final URI LOCAL_RABBITMQ = URI.create("amqp://guest:guest@127.0.0.1:5672");
    private static final int PROBE_TIMEOUT_MILLIS = 2000;

    private static final Map<String, Found<?>> FOUND = new ConcurrentHashMap<>();

    private TestServers() {
    }

    public static JdbcServer postgres() {
        return find("PostgreSQL", POSTGRES_URL, LOCAL_POSTGRES,
                url -> new JdbcServer(JdbcServer.Kind.POSTGRESQL, url, null, null),
                Containers::postgres,
                () -> localJdbc(JdbcServer.Kind.POSTGRESQL, LOCAL_POSTGRES + "&connectTimeout=2"),
                null);
    }

    /** MySQL 8 or MariaDB (the MariaDB driver speaks to both). */
    public static JdbcServer mysql() {
        return find("MySQL/MariaDB", MYSQL_URL, LOCAL_MYSQL,
                url -> new JdbcServer(JdbcServer.Kind.MYSQL, url, null, null),
                Containers::mariadb,
                () -> localJdbc(JdbcServer.Kind.MYSQL, LOCAL_MYSQL + "&connectTimeout=" + PROBE_TIMEOUT_MILLIS),
                null);
    }

    /** H2 in memory: always available. */
    public static JdbcServer h2() {
        return new JdbcServer(JdbcServer.Kind.H2, "jdbc:h2:mem:", null, null);
    }

    /** Bootstrap servers of a Kafka broker. */
    public static String kafka() {
        return find("Kafka", KAFKA_BOOTSTRAP, "127.0.0.1:9092",
                value -> value,
                Containers::kafka,
                null,
                new Embedded<>("org.apache.kafka:kafka_2.13", EmbeddedKafka::available,
                        () -> EmbeddedKafka.start().bootstrapServers()));
    }

    /** AMQP URI of a RabbitMQ broker, credentials included. */
    public static URI rabbitmq() {
        return find("RabbitMQ", RABBITMQ_URI, LOCAL_RABBITMQ.toString(),
                URI::create,
                Containers::rabbitmq,
                () -> reachable(LOCAL_RABBITMQ.getHost(), LOCAL_RABBITMQ.getPort()) ? LOCAL_RABBITMQ : null,
                null);
    }

    /** Endpoint of an SQS-compatible server. */
    public static URI sqs() {
        return find("SQS", SQS_ENDPOINT, "http://127.0.0.1:9324",
                URI::create,
                Containers::sqs,
                null,
                new Embedded<>("org.elasticmq:elasticmq-server_2.13", EmbeddedElasticMq::available,
                        () -> EmbeddedElasticMq.start().endpoint()));
    }

    /** A topic or queue name no other suite or run uses: {@code base} plus a random suffix. */
    public static String uniqueName(String base) {
        return base + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFL);
    }

    private record Embedded<T>(String artifact, Supplier<Boolean> available, Supplier<T> start) {
    }

    /** A search's outcome, cached so that a missing server is looked for once per JVM. */
    private record Found<T>(T value, String tried) {
    }

    @SuppressWarnings("unchecked")
    private static <T> T find(String server, String variable, String example,
                              Function<String, T> fromVariable, Supplier<T> container,
                              Supplier<T> local, Embedded<T> embedded) {
        Found<T> found = (Found<T>) FOUND.computeIfAbsent(server,
                key -> search(server, variable, fromVariable, container, local, embedded));
        if (found.value() == null) {
            throw ServerUnavailable.report(server, variable, example, found.tried());
        }
        return found.value();
    }

    private static <T> Found<T> search(String server, String variable,
                                       Function<String, T> fromVariable, Supplier<T> container,
                                       Supplier<T> local, Embedded<T> embedded) {
        List<String> tried = new ArrayList<>();
        String value = System.getenv(variable);
        if (value != null && !value.isBlank()) {
            return announce(server, variable, fromVariable.apply(value.strip()));
        }
        tried.add(variable + " (unset)");
        if (Containers.dockerAvailable()) {
            try {
                return announce(server, "Testcontainers", container.get());
            } catch (RuntimeException | LinkageError e) {
                tried.add("Testcontainers (" + e + ")");
            }
        } else {
            tried.add("Testcontainers (no Docker engine)");
        }
        if (local != null) {
            T probed = local.get();
            if (probed != null) {
                return announce(server, "local default port", probed);
            }
            tried.add("the default local port (nothing answered)");
        }
        if (embedded != null) {
            if (embedded.available().get()) {
                return announce(server, "embedded " + embedded.artifact() + " in a child JVM", embedded.start().get());
            }
            tried.add("embedded server (" + embedded.artifact() + " not on the test classpath)");
        }
        return new Found<>(null, String.join(", ", tried));
    }

    private static <T> Found<T> announce(String server, String source, T value) {
        System.err.println("[outbox-test] " + server + ": " + mask(String.valueOf(value)) + " (from " + source + ")");
        return new Found<>(value, source);
    }

    private static JdbcServer localJdbc(JdbcServer.Kind kind, String url) {
        try (Connection ignored = DriverManager.getConnection(url)) {
            return new JdbcServer(kind, url, null, null);
        } catch (SQLException e) {
            return null;
        }
    }

    private static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String mask(String value) {
        return value.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("(://[^:/@]+:)[^@]*@", "$1***@");
    }
}
