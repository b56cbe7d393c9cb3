package dev.outbox.sqs;

import dev.outbox.spi.MessageProcessor;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.testing.CrashTestBroker;
import dev.outbox.testing.TestServers;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** SQS (ElasticMQ) for the crash tests: a standard queue and its dead-letter queue. */
public final class SqsCrashBroker implements CrashTestBroker {

    @Override
    public String endpoint() {
        return TestServers.sqs().toString();
    }

    @Override
    public String createDestination(String base) {
        String queue = TestServers.uniqueName(base);
        try (SqsAsyncClient sqs = SqsTestServer.client()) {
            String url = SqsTestServer.createQueue(sqs, queue, Map.of());
            SqsTestServer.createQueue(sqs, SqsConsumerBinding.deadLetterQueueName(url), Map.of());
        }
        return queue;
    }

    @Override
    public MessagePublisher publisher(String endpoint) {
        return SqsPublisher.builder(SqsTestServer.client(URI.create(endpoint))).build();
    }

    @Override
    public AutoCloseable bind(String endpoint, String destination, MessageProcessor processor) {
        SqsAsyncClient sqs = SqsTestServer.client(URI.create(endpoint));
        String url = sqs.getQueueUrl(r -> r.queueName(destination)).join().queueUrl();
        SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, url, processor)
                .consumers(2).waitTime(Duration.ofSeconds(1)).visibilityTimeout(Duration.ofSeconds(5))
                .retryDelay(Duration.ofSeconds(1)).build();
        binding.start();
        return binding;
    }
}
