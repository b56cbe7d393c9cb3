package dev.outbox.sqs;

import dev.outbox.spi.InboundMessage;
import dev.outbox.testing.TestServers;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Plain-client operations on the test SQS server: a client, queues, and reading a queue empty. */
final class SqsTestServer {

    private SqsTestServer() {
    }

    /** A client for the test server (ElasticMQ accepts any credentials). */
    static SqsAsyncClient client() {
        return client(TestServers.sqs());
    }

    /** A client for the SQS-compatible server at {@code endpoint}. */
    static SqsAsyncClient client(URI endpoint) {
        return SqsAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build();
    }

    /** Creates queue {@code name} (FIFO when it ends in .fifo) and returns its URL. */
    static String createQueue(SqsAsyncClient sqs, String name, Map<QueueAttributeName, String> attributes) {
        Map<QueueAttributeName, String> all = new java.util.HashMap<>(attributes);
        if (name.endsWith(".fifo")) {
            all.put(QueueAttributeName.FIFO_QUEUE, "true");
        }
        return sqs.createQueue(r -> r.queueName(name).attributes(all)).join().queueUrl();
    }

    /**
     * Receives and deletes messages of {@code queueUrl}, in receive order, until {@code count} arrived or
     * {@code timeout} passed (at least one short receive is made).
     */
    static List<InboundMessage> drain(SqsAsyncClient sqs, String queueUrl, int count, Duration timeout) {
        List<InboundMessage> received = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(timeout.isZero() ? 0 : 1).messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).join().messages();
            for (Message m : messages) {
                received.add(SqsEnvelope.inbound(queueUrl, m));
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())).join();
            }
        } while (received.size() < count && System.nanoTime() < deadline);
        return received;
    }
}
