package dev.outbox.sqs;

import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.Reasons;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import org.jspecify.annotations.Nullable;

/**
 * Sends a consumer binding's dead letters to its dead-letter queue with the original body and the reason
 * attributes; on a FIFO queue in the original message group. One the queue refuses in full (over
 * {@code maxMessageBytes} with its attributes, or attributes SQS will not take) goes again without its body and
 * with only the reason attributes. Thread-safe.
 */
final class SqsDeadLetters {
    private static final Logger log = LoggerFactory.getLogger(SqsConsumerBinding.class);
    private static final String FIFO_SUFFIX = ".fifo";

    private final SqsAsyncClient sqs;
    private final String deadLetterQueueUrl;
    private final int maxMessageBytes;

    SqsDeadLetters(SqsAsyncClient sqs, String deadLetterQueueUrl, int maxMessageBytes) {
        this.sqs = sqs;
        this.deadLetterQueueUrl = deadLetterQueueUrl;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Sends a dead letter to the dead-letter queue; one the queue refuses in full (too large, or attributes SQS
     * will not take) goes without its body and with only the reason attributes. False when it has neither.
     */
    boolean send(Message received, InboundMessage message, ConsumeOutcome.DeadLettered dead) {
        SqsEnvelope.Encoded full = SqsEnvelope.encode(Envelope.deadLetterHeaders(message, dead), message.payload());
        Throwable refused = full.size() > maxMessageBytes
                ? new IllegalArgumentException("the dead letter is " + full.size() + " bytes; the queue takes "
                        + maxMessageBytes)
                : send(received, full);
        if (refused == null) {
            return true;
        }
        if (!senderFault(refused)) {
            log.warn("Dead letter {} could not be sent to {}: {}", Reasons.forLog(message.id()), deadLetterQueueUrl,
                    Reasons.of(refused));
            return false;
        }
        Throwable again = send(received, SqsEnvelope.encode(Envelope.strippedDeadLetterHeaders(message, dead),
                new byte[0]));
        if (again != null) {
            log.warn("Dead letter {} was refused by {} even without its body: {}", Reasons.forLog(message.id()),
                    deadLetterQueueUrl, Reasons.of(again));
            return false;
        }
        log.warn("Dead letter {} was refused by {} in full ({}) and was sent without its body",
                Reasons.forLog(message.id()), deadLetterQueueUrl, Reasons.of(refused));
        return true;
    }

    /** Sends one message to the dead-letter queue; the failure, or null. */
    private @Nullable Throwable send(Message received, SqsEnvelope.Encoded encoded) {
        String group = received.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
        try {
            sqs.sendMessage(r -> {
                r.queueUrl(deadLetterQueueUrl).messageBody(encoded.body()).messageAttributes(encoded.attributes());
                if (deadLetterQueueUrl.endsWith(FIFO_SUFFIX)) {
                    r.messageGroupId(group != null ? group : SqsPublisher.DEFAULT_GROUP)
                            .messageDeduplicationId(received.messageId());
                }
            }).join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** SQS blamed the message (size, attributes), or the binding found it too large: worth sending stripped. */
    private static boolean senderFault(Throwable error) {
        if (error instanceof IllegalArgumentException) {
            return true;
        }
        return error instanceof AwsServiceException service && service.statusCode() >= 400
                && service.statusCode() < 500 && service.statusCode() != 403 && service.statusCode() != 429;
    }
}
