package dev.outbox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * ElasticMQ, an SQS-compatible server, run from {@code org.elasticmq:elasticmq-server_2.13} on the test classpath
 * in a child JVM, bound to 127.0.0.1 only: no Docker needed.
 */
public final class EmbeddedElasticMq implements AutoCloseable {
    static final String MAIN = "org.elasticmq.server.Main";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ChildJvm server;
    private final int port;

    private EmbeddedElasticMq(ChildJvm server, int port) {
        this.server = server;
        this.port = port;
    }

    static boolean available() {
        return ChildJvm.onClasspath(MAIN);
    }

    public static EmbeddedElasticMq start() {
        int port = ChildJvm.freePort();
        Path config = ChildJvm.dataDirectory("elasticmq").resolve("elasticmq.conf");
        String conf = String.join("\n",
                "include classpath(\"application.conf\")",
                "node-address { protocol = http, host = \"127.0.0.1\", port = " + port + ", context-path = \"\" }",
                "rest-sqs { enabled = true, bind-port = " + port + ", bind-hostname = \"127.0.0.1\", "
                        + "sqs-limits = strict }",
                "rest-stats { enabled = false }",
                "generate-node-address = false",
                "");
        try {
            Files.writeString(config, conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        ChildJvm server = ChildJvm.start("elasticmq-" + port, MAIN,
                List.of("-Xmx1g", "-XX:+UseSerialGC", "-Dconfig.file=" + config), List.of());
        server.awaitPort(port, START_TIMEOUT);
        return new EmbeddedElasticMq(server, port);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    public void close() {
        server.close();
    }
}
