package dev.outbox.testing;

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
 * What {@link CrashContract} runs in the child JVMs it kills: an ordered relay, or a consumer whose handler writes
 * an effect row, through a {@link CrashTestBroker}. Arguments: role ({@code relay} or {@code consumer}), broker
 * class, broker endpoint, JDBC URL, user and password ({@code -} for none), destination.
 */
public final class CrashContractProcess {

    private CrashContractProcess() {
    }

    public static void main(String[] args) throws Exception {
        CrashTestBroker broker = (CrashTestBroker) Class.forName(args[1]).getConstructor().newInstance();
        String endpoint = args[2];
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[3]);
        if (!args[4].equals("-")) {
            config.setUsername(args[4]);
        }
        if (!args[5].equals("-")) {
            config.setPassword(args[5]);
        }
        config.setMaximumPoolSize(10);
        HikariDataSource dataSource = new HikariDataSource(config);
        String destination = args[6];
        if (args[0].equals("relay")) {
            Outbox outbox = Outbox.builder().dataSource(dataSource).build();
            OutboxRelay.builder(outbox).publisher(broker.publisher(endpoint)).ordering(Ordering.BY_KEY).batchSize(50)
                    .leaseTimeout(Duration.ofSeconds(4)).publishTimeout(Duration.ofSeconds(3))
                    .retryPolicy(RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(2)))
                    .build().start();
        } else {
            IdempotentConsumer consumer = IdempotentConsumer.builder("crash-test").jdbi(Jdbi.create(dataSource))
                    .handler((message, handle) -> handle.execute("INSERT INTO effects (message_id) VALUES (?)",
                            message.id()))
                    .build();
            broker.bind(endpoint, destination, consumer);
        }
        System.out.println("started " + args[0]);
        TimeUnit.DAYS.sleep(1);
    }
}
