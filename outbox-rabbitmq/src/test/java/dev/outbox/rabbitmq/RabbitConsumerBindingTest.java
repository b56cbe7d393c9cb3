package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.testing.ConsumerBindingContract;
import dev.outbox.testing.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class RabbitConsumerBindingTest extends ConsumerBindingContract {
    private Connection connection;
    private final Map<String, List<InboundMessage>> deadLetters = new HashMap<>();

    /** The queue type under test. */
    protected RabbitTopology.QueueType queueType() {
        return RabbitTopology.QueueType.CLASSIC;
    }

    @BeforeAll
    void connect() {
        connection = RabbitTestBroker.connect("outbox-test-binding");
    }

    @AfterAll
    void disconnect() throws IOException {
        connection.close();
    }

    @Override
    protected String createDestination(String base) {
        String queue = TestServers.uniqueName(base);
        RabbitTestBroker.declare(connection, queue, queueType());
        return queue;
    }

    @Override
    protected void send(String destination, byte[] payload, Map<String, String> headers) {
        try (Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            channel.basicPublish("", destination, true, new AMQP.BasicProperties.Builder().deliveryMode(2)
                    .headers(new HashMap<>(headers)).build(), payload);
            channel.waitForConfirmsOrDie(10_000);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + destination, e);
        }
    }

    @Override
    protected AutoCloseable bind(String destination, MessageProcessor processor) {
        RabbitConsumerBinding binding = RabbitConsumerBinding.builder(connection, destination, processor)
                .retryDelay(Duration.ofMillis(100)).build();
        binding.start();
        return binding;
    }


    @Override
    protected AutoCloseable bindWithUnusableDeadLetterDestination(String destination, MessageProcessor processor) {
        RabbitConsumerBinding binding = RabbitConsumerBinding.builder(connection, destination, processor)
                .retryDelay(Duration.ofMillis(100)).deadLetterExchange("missing-" + destination).build();
        binding.start();
        return binding;
    }

    @Override
    protected List<InboundMessage> deadLetters(String destination) {
        List<InboundMessage> seen = deadLetters.computeIfAbsent(destination, d -> new CopyOnWriteArrayList<>());
        seen.addAll(RabbitTestBroker.drain(connection, RabbitTopology.deadLetterQueue(destination), 100,
                Duration.ZERO));
        return seen;
    }
}
