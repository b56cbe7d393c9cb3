package dev.outbox.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The RabbitMQ broker the suites use is real and reachable: a confirmed persistent message can be fetched. */
class RabbitBrokerTest {

    @Test
    void confirmedMessageIsFetchedWithItsProperties() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(TestServers.rabbitmq());
        String queue = TestServers.uniqueName("smoke");
        try (Connection connection = factory.newConnection("outbox-smoke");
             Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, true, null);
            channel.confirmSelect();
            channel.basicPublish("", queue, true, new AMQP.BasicProperties.Builder()
                    .messageId("id-1").deliveryMode(2).build(), "hello".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(Duration.ofSeconds(10).toMillis());

            GetResponse response = channel.basicGet(queue, false);
            assertThat(response).isNotNull();
            assertThat(new String(response.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(response.getProps().getMessageId()).isEqualTo("id-1");
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
            assertThat(channel.messageCount(queue)).isZero();
        }
    }
}
