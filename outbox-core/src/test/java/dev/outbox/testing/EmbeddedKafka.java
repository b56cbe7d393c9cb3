package dev.outbox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A single-node Apache Kafka broker in KRaft mode (broker and controller in one process), run from the
 * {@code org.apache.kafka:kafka_2.13} artifacts on the test classpath in a child JVM: no Docker needed.
 */
public final class EmbeddedKafka implements AutoCloseable {
    static final String MAIN = "kafka.Kafka";
    private static final String FORMAT = "kafka.tools.StorageTool";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ChildJvm broker;
    private final int port;

    private EmbeddedKafka(ChildJvm broker, int port) {
        this.broker = broker;
        this.port = port;
    }

    /** True when the broker classes are on the classpath. */
    static boolean available() {
        return ChildJvm.onClasspath(MAIN);
    }

    /** Formats a fresh log directory and starts the broker; returns once it accepts connections. */
    public static EmbeddedKafka start() {
        return start(ChildJvm.freePort(), Map.of());
    }

    /**
     * Starts a broker on {@code port} (e.g. one a client was already pointed at, to test a late broker), with
     * {@code overrides} of its server properties (e.g. {@code auto.create.topics.enable=false}).
     */
    public static EmbeddedKafka start(int port, Map<String, String> overrides) {
        int controllerPort = ChildJvm.freePort();
        Path data = ChildJvm.dataDirectory("kafka");
        Path config = data.resolve("server.properties");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", "1");
        settings.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        settings.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        settings.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        settings.put("log.dirs", data.resolve("logs").toString());
        settings.put("num.partitions", "1");
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("offsets.topic.num.partitions", "4");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        settings.put("group.initial.rebalance.delay.ms", "0");
        settings.put("auto.create.topics.enable", "true");
        settings.putAll(overrides);
        StringBuilder properties = new StringBuilder();
        settings.forEach((name, value) -> properties.append(name).append('=').append(value).append('\n'));
        try {
            Files.writeString(config, properties);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        ChildJvm.run("kafka-format-" + port, FORMAT,
                List.of("format", "-t", clusterId(), "-c", config.toString()), START_TIMEOUT);
        ChildJvm broker = ChildJvm.start("kafka-" + port, MAIN,
                List.of("-Xmx512m", "-XX:+UseSerialGC", "-Dlog4j2.level=warn"), List.of(config.toString()));
        broker.awaitPort(port, START_TIMEOUT);
        return new EmbeddedKafka(broker, port);
    }

    /**
     * A cluster id as Kafka writes them: 16 random bytes, URL-safe base64 without padding, never starting with '-'
     * (the storage tool would read such an id as an option and fail).
     */
    private static String clusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            byte[] bytes = ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits())
                    .array();
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        broker.close();
    }
}
