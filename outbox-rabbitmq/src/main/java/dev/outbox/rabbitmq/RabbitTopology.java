package dev.outbox.rabbitmq;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.Map;

/**
 * Declares a queue with its dead-letter exchange and queue, the layout {@link RabbitConsumerBinding} expects:
 * {@code <queue>} dead-letters to exchange {@code <queue>.dlx} (routing key {@code <queue>}), which routes to
 * queue {@code <queue>.dlq}. Idempotent, as RabbitMQ declarations are when the arguments match.
 *
 * <p>Stateless and thread-safe; it declares on the channel it is given, which, like any RabbitMQ channel, one
 * thread at a time may use.
 */
public final class RabbitTopology {
    /** The queue types to declare. */
    public enum QueueType {
        /** Classic queues: one node, lowest latency. */
        CLASSIC("classic"),
        /** Quorum queues: replicated, with delivery counts that bound redeliveries. */
        QUORUM("quorum");

        private final String argument;

        QueueType(String argument) {
            this.argument = argument;
        }
    }

    private RabbitTopology() {
    }

    /** {@code <queue>.dlx}. */
    public static String deadLetterExchange(String queue) {
        return queue + ".dlx";
    }

    /** {@code <queue>.dlq}. */
    public static String deadLetterQueue(String queue) {
        return queue + ".dlq";
    }

    /** Declares the durable queue, its dead-letter exchange and dead-letter queue, all of {@code type}. */
    public static void declare(Channel channel, String queue, QueueType type) throws IOException {
        String dlx = deadLetterExchange(queue);
        channel.exchangeDeclare(dlx, BuiltinExchangeType.DIRECT, true);
        channel.queueDeclare(deadLetterQueue(queue), true, false, false, Map.of("x-queue-type", type.argument));
        channel.queueBind(deadLetterQueue(queue), dlx, queue);
        channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", type.argument,
                "x-dead-letter-exchange", dlx, "x-dead-letter-routing-key", queue));
    }
}
