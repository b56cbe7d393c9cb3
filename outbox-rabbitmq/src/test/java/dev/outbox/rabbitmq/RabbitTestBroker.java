package dev.outbox.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.outbox.spi.InboundMessage;
import dev.outbox.testing.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** The real RabbitMQ of the tests: connections, queue declarations and reading queues back. */
final class RabbitTestBroker {
    private RabbitTestBroker() {
    }

    static ConnectionFactory factory() {
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(TestServers.rabbitmq());
        } catch (Exception e) {
            throw new IllegalStateException("bad RabbitMQ URI " + TestServers.rabbitmq(), e);
        }
        factory.setNetworkRecoveryInterval(500);
        return factory;
    }

    static Connection connect(String name) {
        try {
            return factory().newConnection(name);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to RabbitMQ", e);
        }
    }

    /** Declares {@code queue} with its dead-letter exchange and queue. */
    static void declare(Connection connection, String queue, RabbitTopology.QueueType type) {
        try (Channel channel = connection.createChannel()) {
            RabbitTopology.declare(channel, queue, type);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot declare " + queue, e);
        }
    }

    /** Takes messages off {@code queue} until {@code count} were read or the timeout passed (one pass at least). */
    static List<InboundMessage> drain(Connection connection, String queue, int count, Duration timeout) {
        List<InboundMessage> read = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            try (Channel channel = connection.createChannel()) {
                GetResponse response;
                while (read.size() < count && (response = channel.basicGet(queue, true)) != null) {
                    read.add(RabbitEnvelope.inbound(queue, response.getProps(), response.getBody(),
                            response.getEnvelope().isRedeliver()));
                }
            } catch (IOException | TimeoutException | RuntimeException e) {
                // the connection is recovering (a test closed it on purpose): try again
            }
        } while (read.size() < count && System.nanoTime() < deadline);
        return read;
    }

    /** Closes every client connection on the broker side, as a broker restart or network cut would. */
    static void closeAllConnections() {
        try {
            Process p = new ProcessBuilder("rabbitmqctl", "close_all_connections", "outbox test: simulated outage")
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("rabbitmqctl close_all_connections failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rabbitmqctl is needed to cut connections from the broker side", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
