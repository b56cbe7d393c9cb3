package dev.outbox.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outbox.ConsumeOutcome;
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
                .waitTime(Duration.ofSeconds(1)).retryDelay(Duration.ZERO).visibilityTimeout(visibilityTimeout)
                .build();
        binding.start();
        return binding;
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
            TimeUnit.SECONDS.sleep(8);
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
}
