package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.testing.EndToEnd;
import dev.outbox.testing.TestServers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The README's SQS code, run against ElasticMQ: an event goes from the outbox to a consumer. */
class SqsReadmeExampleTest {

    @Test
    void eventTravelsFromTheOutboxThroughSqsToTheConsumer() throws Exception {
        String billingOrders = TestServers.uniqueName("billing-orders");
        try (EndToEnd ends = new EndToEnd("sqs_readme");
             SqsAsyncClient sqs = SqsTestServer.client()) {   // README: SqsAsyncClient.create()
            SqsTestServer.createQueue(sqs, billingOrders, Map.of());
            SqsTestServer.createQueue(sqs, billingOrders + "-dlq", Map.of());
            Outbox outbox = ends.outbox();
            IdempotentConsumer consumer = ends.consumer();

            // README: "Amazon SQS" (the queue name is unique here so that reruns do not share it)
            SqsPublisher publisher = SqsPublisher.builder(sqs).build();
            OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build();
            relay.start();

            String queueUrl = sqs.getQueueUrl(r -> r.queueName(billingOrders)).join().queueUrl();
            SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, queueUrl, consumer)
                    .consumers(4)
                    .build();
            binding.start();
            // end of README code

            ends.commitOrderPlaced(billingOrders);
            ends.awaitHandled(1);
            binding.close();
            relay.close();
            publisher.close();
            assertThat(ends.handled()).isEqualTo(1);
        }
    }
}
