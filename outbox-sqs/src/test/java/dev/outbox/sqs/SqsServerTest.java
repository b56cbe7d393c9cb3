package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.testing.TestServers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The SQS server the suites use is real and reachable: a sent message is received, then deleted. */
class SqsServerTest {

    @Test
    void sentMessageIsReceivedAndDeleted() {
        try (SqsAsyncClient sqs = SqsAsyncClient.builder()
                .endpointOverride(TestServers.sqs())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            String queueUrl = sqs.createQueue(b -> b.queueName(TestServers.uniqueName("smoke"))).join().queueUrl();
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("hello").messageAttributes(Map.of(
                    "outbox-message-id", MessageAttributeValue.builder().dataType("String").stringValue("id-1")
                            .build()))).join();

            List<Message> received = sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(5)
                    .messageAttributeNames("All")).join().messages();
            assertThat(received).hasSize(1);
            assertThat(received.get(0).body()).isEqualTo("hello");
            assertThat(received.get(0).messageAttributes().get("outbox-message-id").stringValue()).isEqualTo("id-1");

            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(received.get(0).receiptHandle())).join();
            String remaining = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join()
                    .attributesAsStrings().values().stream().reduce("", String::concat);
            assertThat(remaining).isEqualTo("00");
        }
    }
}
