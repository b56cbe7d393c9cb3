package dev.outbox.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.IdempotentConsumer;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;

/**
 * What {@link CrashTest} runs in a child JVM and kills with SIGKILL: an ordered relay publishing to RabbitMQ, or a
 * consumer binding whose handler writes an effect row. Arguments: role ({@code relay} or {@code consumer}), JDBC URL,
 * user and password ({@code -} for none), AMQP URI, queue.
 */
public final class CrashTestProcess {

    private CrashTestProcess() {
    }

    public static void main(String[] args) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[1]);
        if (!args[2].equals("-")) {
            config.setUsername(args[2]);
        }
        if (!args[3].equals("-")) {
            config.setPassword(args[3]);
        }
        config.setMaximumPoolSize(10);
        HikariDataSource dataSource = new HikariDataSource(config);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(args[4]);
        String queue = args[5];
        if (args[0].equals("relay")) {
            Outbox outbox = Outbox.builder().dataSource(dataSource).build();
            RabbitPublisher publisher = RabbitPublisher.builder(factory).build();
            OutboxRelay.builder(outbox).publisher(publisher).ordering(Ordering.BY_KEY).batchSize(50)
                    .leaseTimeout(Duration.ofSeconds(4)).publishTimeout(Duration.ofSeconds(3))
                    .retryPolicy(RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(2)))
                    .build().start();
        } else {
            IdempotentConsumer consumer = IdempotentConsumer.builder("crash-test").jdbi(Jdbi.create(dataSource))
                    .handler((message, handle) -> handle.execute("INSERT INTO effects (message_id) VALUES (?)",
                            message.id()))
                    .build();
            Connection connection = factory.newConnection("crash-test-consumer");
            RabbitConsumerBinding.builder(connection, queue, consumer).prefetch(50).build().start();
        }
        System.out.println("started " + args[0]);
        TimeUnit.DAYS.sleep(1);
    }
}
