package dev.outbox.examples.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.rabbitmq.RabbitPublisher;
import dev.outbox.rabbitmq.RabbitTopology;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PostgreSQL to RabbitMQ: the relay publishing a pre-filled outbox through {@link RabbitPublisher}, beside raw
 * confirmed publishing of the same number of 200-byte persistent messages with the plain client, measured in the
 * same run against the same durable classic queue.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.RabbitBenchmark</pre>
 *
 * Arguments: messages (default 200000). Broker: OUTBOX_BENCH_RABBITMQ_URI, else OUTBOX_TEST_RABBITMQ_URI, else
 * amqp://guest:guest@127.0.0.1:5672. Database: as {@link RelayBenchmark}.
 */
public final class RabbitBenchmark {
    /** Unconfirmed messages the raw publisher keeps in flight, as a tuned plain client would. */
    private static final int RAW_WINDOW = 2_000;

    private RabbitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        String uri = System.getenv("OUTBOX_BENCH_RABBITMQ_URI");
        if (uri == null) {
            uri = System.getenv().getOrDefault("OUTBOX_TEST_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        String queue = "outbox-bench-" + ProcessHandle.current().pid();
        try (BenchDatabase db = new BenchDatabase("rabbit", 16);
             Connection connection = factory.newConnection("outbox-bench");
             Channel admin = connection.createChannel()) {
            RabbitTopology.declare(admin, queue, RabbitTopology.QueueType.CLASSIC);
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            System.out.printf("PostgreSQL -> RabbitMQ (%s, durable classic queue), %d persistent messages of 200 "
                    + "bytes, publisher confirms%n", db.describe(), messages);

            double raw = raw(connection, queue, messages);
            admin.queuePurge(queue);
            RelayBenchmark.truncate(db.dataSource(), outbox);
            RelayBenchmark.prefill(db.dataSource(), outbox, messages, queue);
            RelayBenchmark.Drain relay;
            try (RabbitPublisher publisher = RabbitPublisher.builder(connection).build()) {
                relay = RelayBenchmark.drain(outbox, publisher, Ordering.NONE, 1, messages);
            }
            admin.queuePurge(queue);
            System.out.printf("%-44s %10.0f msg/s%n", "raw confirmed publishing (window " + RAW_WINDOW + ")", raw);
            relay.printAgainst("relay, 1 instance, unordered", messages, raw);
            admin.queueDelete(queue);
            admin.queueDelete(RabbitTopology.deadLetterQueue(queue));
            admin.exchangeDelete(RabbitTopology.deadLetterExchange(queue));
        }
    }

    /** Plain amqp-client: persistent publishes with asynchronous confirms, a bounded window in flight. */
    private static double raw(Connection connection, String queue, int messages) throws Exception {
        byte[] body = new byte[200];
        Semaphore window = new Semaphore(RAW_WINDOW);
        CountDownLatch confirmed = new CountDownLatch(messages);
        AtomicLong lastConfirmed = new AtomicLong();
        try (Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            channel.addConfirmListener((tag, multiple) -> {
                long released = multiple ? tag - lastConfirmed.getAndSet(tag) : 1;
                if (!multiple) {
                    lastConfirmed.accumulateAndGet(tag, Math::max);
                }
                window.release((int) released);
                for (long i = 0; i < released; i++) {
                    confirmed.countDown();
                }
            }, (tag, multiple) -> {
                throw new IllegalStateException("broker nacked raw publish " + tag);
            });
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                window.acquire();
                channel.basicPublish("", queue, persistent, body);
            }
            if (!confirmed.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw publishing was not confirmed within 10 minutes");
            }
            return messages / ((System.nanoTime() - start) / 1e9);
        }
    }
}
