package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The README's SQS code, run against ElasticMQ: an event goes from the outbox to a consumer. */
class SqsReadmeExampleTest {

    @Test
    void eventTravelsFromTheOutboxThroughSqsToTheConsumer() throws Exception {
        String billingOrders = TestServers.uniqueName("billing-orders");
        try (TestDatabase db = TestServers.h2().createDatabase("sqs_readme");
             SqsAsyncClient sqs = SqsTestServer.client()) {   // README: SqsAsyncClient.create()
            SqsTestServer.createQueue(sqs, billingOrders, Map.of());
            SqsTestServer.createQueue(sqs, billingOrders + "-dlq", Map.of());
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            AtomicInteger handled = new AtomicInteger();
            IdempotentConsumer consumer = IdempotentConsumer.builder("billing").jdbi(db.jdbi())
                    .handler((message, handle) -> handled.incrementAndGet()).build();

            // README: "Amazon SQS" (the queue name is unique here so that reruns do not share it)
            SqsPublisher publisher = SqsPublisher.builder(sqs).build();
            OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build();
            relay.start();

            String queueUrl = sqs.getQueueUrl(r -> r.queueName(billingOrders)).join().queueUrl();
            SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, queueUrl, consumer)
                    .concurrency(4)
                    .build();
            binding.start();
            // end of README code

            try (java.sql.Connection c = db.connection()) {
                c.setAutoCommit(false);
                outbox.write(c, OutboxMessage.builder().destination(billingOrders).type("OrderPlaced")
                        .payload(Map.of("orderId", "o-1")).build());
                c.commit();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.get() == 1);
            binding.close();
            relay.close();
            publisher.close();
            assertThat(handled).hasValue(1);
        }
    }
}
