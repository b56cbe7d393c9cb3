package dev.outbox.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.testing.CrashTestBroker;
import dev.outbox.testing.TestServers;
import java.net.URI;

/** RabbitMQ for the crash tests: a classic queue with its dead-letter exchange; publisher and binding defaults. */
public final class RabbitCrashBroker implements CrashTestBroker {

    @Override
    public String endpoint() {
        return TestServers.rabbitmq().toString();
    }

    @Override
    public String createDestination(String base) {
        String queue = TestServers.uniqueName(base);
        try (com.rabbitmq.client.Connection connection = RabbitTestBroker.connect("outbox-crash-setup")) {
            RabbitTestBroker.declare(connection, queue, RabbitTopology.QueueType.CLASSIC);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return queue;
    }

    @Override
    public MessagePublisher publisher(String endpoint) throws Exception {
        return RabbitPublisher.builder(factory(endpoint)).build();
    }

    @Override
    public AutoCloseable bind(String endpoint, String destination, MessageProcessor processor) throws Exception {
        RabbitConsumerBinding binding = RabbitConsumerBinding.builder(factory(endpoint).newConnection("crash-test"),
                destination, processor).prefetch(50).build();
        binding.start();
        return binding;
    }

    private static ConnectionFactory factory(String endpoint) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(URI.create(endpoint));
        return factory;
    }
}
