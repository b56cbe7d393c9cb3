package dev.outbox.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.testing.EndToEnd;
import dev.outbox.testing.TestServers;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The README's RabbitMQ code, run against the real broker: an event goes from the outbox to a consumer. */
class RabbitReadmeExampleTest {

    @Test
    void eventTravelsFromTheOutboxThroughRabbitMqToTheConsumer() throws Exception {
        URI rabbitUri = TestServers.rabbitmq();
        String queue = TestServers.uniqueName("billing.orders");
        try (EndToEnd ends = new EndToEnd("rabbit_readme")) {
            Outbox outbox = ends.outbox();
            IdempotentConsumer consumer = ends.consumer();

            // README: "RabbitMQ"
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(rabbitUri);                    // e.g. amqp://guest:guest@localhost:5672
            RabbitPublisher publisher = RabbitPublisher.builder(factory).build();
            OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build();
            relay.start();

            Connection connection = factory.newConnection("billing");
            try (Channel channel = connection.createChannel()) {
                RabbitTopology.declare(channel, queue, RabbitTopology.QueueType.QUORUM);
            }
            RabbitConsumerBinding binding = RabbitConsumerBinding.builder(connection, queue, consumer)
                    .prefetch(50).build();
            binding.start();
            // end of README code

            ends.commitOrderPlaced(queue);
            ends.awaitHandled(1);
            binding.close();
            relay.close();
            publisher.close();
            try (Channel channel = connection.createChannel()) {
                channel.queueDelete(queue);
                channel.queueDelete(RabbitTopology.deadLetterQueue(queue));
                channel.exchangeDelete(RabbitTopology.deadLetterExchange(queue));
            }
            connection.close();
            assertThat(ends.handled()).isEqualTo(1);
        }
    }
}
