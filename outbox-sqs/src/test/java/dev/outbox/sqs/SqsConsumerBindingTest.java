package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import dev.outbox.testing.ConsumerBindingContract;
import dev.outbox.testing.TestServers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

class SqsConsumerBindingTest extends ConsumerBindingContract {
    private final SqsAsyncClient sqs = SqsTestServer.client();
    private final Map<String, List<InboundMessage>> deadLetters = new ConcurrentHashMap<>();

    @AfterAll
    void closeClient() {
        sqs.close();
    }

    @Override
    protected String createDestination(String base) {
        String queue = TestServers.uniqueName(base);
        String url = SqsTestServer.createQueue(sqs, queue, Map.of());
        SqsTestServer.createQueue(sqs, SqsConsumerBinding.deadLetterQueueName(url), Map.of());
        return url;
    }

    @Override
    protected void send(String destination, byte[] payload, Map<String, String> headers) {
        SqsEnvelope.Encoded encoded = SqsEnvelope.encode(Map.of(), payload);
        Map<String, MessageAttributeValue> attributes = new HashMap<>(encoded.attributes());
        headers.forEach((name, value) -> attributes.put(name,
                MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
        sqs.sendMessage(r -> r.queueUrl(destination).messageBody(encoded.body())
                .messageAttributes(attributes)).join();
    }

    @Override
    protected AutoCloseable bind(String destination, MessageProcessor processor) {
        return bind(destination, processor, Duration.ofSeconds(30));
    }

    private SqsConsumerBinding bind(String queueUrl, MessageProcessor processor, Duration visibilityTimeout) {
        SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, queueUrl, processor)
                .waitTime(Duration.ofSeconds(1)).retryDelay(Duration.ofSeconds(1)).visibilityTimeout(visibilityTimeout)
                .build();
        binding.start();
        return binding;
    }

    @Override
    protected AutoCloseable bindWithUnusableDeadLetterDestination(String destination, MessageProcessor processor) {
        SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, destination, processor)
                .waitTime(Duration.ofSeconds(1)).retryDelay(Duration.ofSeconds(1))
                .deadLetterQueueUrl(destination + "-missing").build();
        binding.start();
        return binding;
    }

    /** A body marked base64 that is not base64. */
    @Override
    protected boolean sendMalformed(String destination, String marker) {
        sqs.sendMessage(r -> r.queueUrl(destination).messageBody("%%% not base64 %%%").messageAttributes(Map.of(
                SqsEnvelope.BODY_ENCODING, string(SqsEnvelope.BASE64), "case", string(marker),
                Envelope.MESSAGE_ID, string(java.util.UUID.randomUUID().toString())))).join();
        return true;
    }

    /** SQS attributes must be XML characters: no NUL. */
    @Override
    protected boolean carriesNulInHeaders() {
        return false;
    }

    private static MessageAttributeValue string(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    @Override
    protected List<InboundMessage> deadLetters(String destination) {
        String dlq = destination.substring(0, destination.lastIndexOf('/') + 1)
                + SqsConsumerBinding.deadLetterQueueName(destination);
        List<InboundMessage> seen = deadLetters.computeIfAbsent(destination, d -> new CopyOnWriteArrayList<>());
        seen.addAll(SqsTestServer.drain(sqs, dlq, Integer.MAX_VALUE, Duration.ZERO));
        return seen;
    }

    @Test
    void slowHandlerKeepsItsMessageHiddenByExtendingVisibility() throws Exception {
        String queue = createDestination("slow");
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        MessageProcessor slow = message -> {
            attempts.add(message.deliveryAttempt());
            try {
                TimeUnit.SECONDS.sleep(6);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new ConsumeOutcome.Processed();
        };
        try (SqsConsumerBinding binding = bind(queue, slow, Duration.ofSeconds(2));
             SqsConsumerBinding second = bind(queue, slow, Duration.ofSeconds(2))) {
            send(queue, new byte[] {1}, Map.of(Envelope.MESSAGE_ID, "slow-1"));
            await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() == 1);
            // Twice the visibility timeout and more: without the extension, the message would have come back.
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 1);
        }
        assertThat(attempts).containsExactly(1);
        assertThat(SqsTestServer.drain(sqs, queue, 1, Duration.ofSeconds(1))).isEmpty();
    }


    @Test
    void missingDeadLetterQueueIsNamedAtStart() {
        String url = SqsTestServer.createQueue(sqs, TestServers.uniqueName("nodlq"), Map.of());
        SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, url, m -> new ConsumeOutcome.Processed())
                .build();
        assertThatThrownBy(binding::start).isInstanceOf(OutboxConfigurationException.class)
                .hasMessageContaining(SqsConsumerBinding.deadLetterQueueName(url)).hasMessageContaining("does not exist");
    }

    @Test
    void aDeadLetterTooLargeForTheDeadLetterQueueLeavesWithoutItsBodyAndTheQueueGoesOn() throws Exception {
        String queue = createDestination("nearlimit");
        List<String> processed = new CopyOnWriteArrayList<>();
        MessageProcessor poisonous = message -> {
            if (message.payload().length > 1000) {
                return new ConsumeOutcome.DeadLettered("cannot decode", null, 1, false);
            }
            processed.add(message.id());
            return new ConsumeOutcome.Processed();
        };
        byte[] nearLimit = "x".repeat(256 * 1024 - 200).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (AutoCloseable binding = bind(queue, poisonous)) {
            send(queue, nearLimit, Map.of(Envelope.MESSAGE_ID, "big"));
            send(queue, new byte[] {'a'}, Map.of(Envelope.MESSAGE_ID, "after"));
            await().atMost(Duration.ofSeconds(60)).until(() -> processed.contains("after")
                    && deadLetters(queue).size() == 1);
        }
        InboundMessage dead = deadLetters(queue).get(0);
        assertThat(dead.payload()).isEmpty();
        assertThat(dead.headers()).containsEntry(Envelope.PAYLOAD_DROPPED, Integer.toString(nearLimit.length));
        assertThat(dead.headers().get(Envelope.DEAD_LETTER_REASON)).contains("cannot decode");
    }
}
