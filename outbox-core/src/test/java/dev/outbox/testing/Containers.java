package dev.outbox.testing;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.mariadb.MariaDBContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Servers from Testcontainers, used when a Docker engine is reachable. Loaded only then, so modules without the
 * Testcontainers module for a server never touch it. Containers live as long as the test JVM (Ryuk removes them).
 */
final class Containers {
    private Containers() {
    }

    /** Whether a Docker engine looks reachable; checked cheaply first so machines without one stay quiet. */
    static boolean dockerAvailable() {
        boolean hinted = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!hinted) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    static JdbcServer postgres() {
        PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse("postgres:16-alpine"));
        container.start();
        return new JdbcServer(JdbcServer.Kind.POSTGRESQL, container.getJdbcUrl(), container.getUsername(),
                container.getPassword());
    }

    static JdbcServer mariadb() {
        MariaDBContainer container = new MariaDBContainer(DockerImageName.parse("mariadb:11.4"))
                .withUsername("root");
        container.start();
        return new JdbcServer(JdbcServer.Kind.MYSQL, container.getJdbcUrl(), container.getUsername(),
                container.getPassword());
    }

    static String kafka() {
        KafkaContainer container = new KafkaContainer(DockerImageName.parse("apache/kafka-native:4.1.0"));
        container.start();
        return container.getBootstrapServers();
    }

    static URI rabbitmq() {
        RabbitMQContainer container = new RabbitMQContainer(DockerImageName.parse("rabbitmq:4-management-alpine"));
        container.start();
        return URI.create(container.getAmqpUrl().replace("amqp://", "amqp://"
                + container.getAdminUsername() + ":" + container.getAdminPassword() + "@"));
    }

    static URI sqs() {
        GenericContainer<?> container = new GenericContainer<>(
                DockerImageName.parse("softwaremill/elasticmq-native:1.7.1")).withExposedPorts(9324);
        container.start();
        return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(9324));
    }
}
