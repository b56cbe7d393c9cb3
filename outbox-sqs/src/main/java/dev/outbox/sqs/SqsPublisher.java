package dev.outbox.sqs;

import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Publishes outbox messages to Amazon SQS with {@code SendMessageBatch}: up to 10 messages per request, each message
 * acked or failed on its own from the response's per-entry results. A message is acked when SQS has stored it.
 *
 * <pre>{@code
 * SqsAsyncClient sqs = SqsAsyncClient.create();          // region and credentials from the default chains
 * SqsPublisher publisher = SqsPublisher.builder(sqs).build();
 * }</pre>
 *
 * <p>The destination is a queue name (its URL is looked up once and cached) or a queue URL. On FIFO queues (name
 * ending in {@code .fifo}) {@code MessageGroupId} is the message key, so one key is delivered in order, and
 * {@code MessageDeduplicationId} is the message id, so SQS drops a re-publish within its 5-minute window. Keyless
 * messages on a FIFO queue share the group {@value #DEFAULT_GROUP}. The envelope is packed into at most four
 * attributes ({@link SqsEnvelope}). Messages over {@code maxMessageBytes} (256 KiB by default), a missing queue,
 * and entries SQS blames on the sender are rejected (dead-lettered by the relay); everything else is retried.
 *
 * <p>The client is the application's: configure its endpoint, region, credentials and HTTP client as for any SQS
 * use, and close it after the publisher.
 *
 * <p>Thread-safe: the relay publishes several batches through one instance at once, as the SQS client allows.
 */
public final class SqsPublisher implements MessagePublisher {
    /** SQS's classic message size limit; queues whose {@code MaximumMessageSize} is raised may allow up to 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
    /** The message group of keyless messages on FIFO queues. */
    public static final String DEFAULT_GROUP = "outbox";
    private static final int MAX_BATCH_ENTRIES = 10;

    private final SqsAsyncClient sqs;
    private final Function<OutboundMessage, String> queues;
    private final int maxMessageBytes;
    private final ConcurrentMap<String, CompletableFuture<String>> urls = new ConcurrentHashMap<>();

    private SqsPublisher(Builder b) {
        this.sqs = b.sqs;
        this.queues = b.queues;
        this.maxMessageBytes = b.maxMessageBytes;
    }

    /** A publisher on the application's client, which it does not close. */
    public static Builder builder(SqsAsyncClient sqs) {
        return new Builder(sqs);
    }

    @Override
    public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
        Map<String, List<OutboundMessage>> byQueue = new LinkedHashMap<>();
        List<PublishResult> unmapped = new ArrayList<>(0);
        for (OutboundMessage m : batch) {
            String queue;
            try {
                queue = Objects.requireNonNull(queues.apply(m), "the destination mapping returned null");
            } catch (RuntimeException e) {
                unmapped.add(PublishResult.rejected(m.id(), "the destination mapping failed: " + e, e));
                continue;
            }
            byQueue.computeIfAbsent(queue, q -> new ArrayList<>()).add(m);
        }
        List<CompletableFuture<List<PublishResult>>> parts = new ArrayList<>();
        parts.add(CompletableFuture.completedFuture(unmapped));
        byQueue.forEach((queue, messages) -> parts.add(url(queue)
                .thenCompose(url -> send(queue, url, messages))
                .exceptionally(error -> failAll(queue, messages, unwrap(error)))));
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(done -> parts.stream().flatMap(p -> p.join().stream()).toList());
    }

    private CompletableFuture<String> url(String queue) {
        if (queue.startsWith("https://") || queue.startsWith("http://")) {
            return CompletableFuture.completedFuture(queue);
        }
        CompletableFuture<String> url = urls.computeIfAbsent(queue, q -> sqs.getQueueUrl(r -> r.queueName(q))
                .thenApply(response -> response.queueUrl()));
        // A failed lookup is not cached: the next batch asks again.
        url.whenComplete((ok, error) -> {
            if (error != null) {
                urls.remove(queue, url);
            }
        });
        return url;
    }

    private CompletableFuture<List<PublishResult>> send(String queue, String url, List<OutboundMessage> messages) {
        boolean fifo = url.endsWith(".fifo");
        List<PublishResult> rejected = new ArrayList<>();
        List<List<Entry>> chunks = new ArrayList<>();
        List<Entry> chunk = new ArrayList<>();
        int chunkBytes = 0;
        for (OutboundMessage m : messages) {
            Entry entry = new Entry(m, SqsEnvelope.encode(Envelope.headers(m), m.payload()));
            int size = entry.encoded().size();
            if (size > maxMessageBytes) {
                rejected.add(PublishResult.rejected(m.id(), "message is " + size + " bytes with its attributes; "
                        + "SQS accepts at most " + maxMessageBytes + " (queue MaximumMessageSize; "
                        + "SqsPublisher.builder().maxMessageBytes)"));
                continue;
            }
            if (chunk.size() == MAX_BATCH_ENTRIES || chunkBytes + size > maxMessageBytes) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
                chunkBytes = 0;
            }
            chunk.add(entry);
            chunkBytes += size;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        List<CompletableFuture<List<PublishResult>>> sent = new ArrayList<>();
        sent.add(CompletableFuture.completedFuture(rejected));
        for (List<Entry> entries : chunks) {
            List<SendMessageBatchRequestEntry> requests = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                requests.add(entries.get(i).request(entryId(i), fifo));
            }
            sent.add(sqs.sendMessageBatch(r -> r.queueUrl(url).entries(requests))
                    .thenApply(response -> results(entries, response))
                    .exceptionally(error -> failAll(queue, entries.stream().map(Entry::message).toList(),
                            unwrap(error))));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                .thenApply(done -> sent.stream().flatMap(p -> p.join().stream()).toList());
    }

    private static List<PublishResult> results(List<Entry> entries, SendMessageBatchResponse response) {
        Map<String, BatchResultErrorEntry> failed = new HashMap<>();
        response.failed().forEach(f -> failed.put(f.id(), f));
        List<PublishResult> results = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            BatchResultErrorEntry error = failed.get(entryId(i));
            if (error == null) {
                results.add(PublishResult.acked(e.message.id()));
            } else if (Boolean.TRUE.equals(error.senderFault())) {
                results.add(PublishResult.rejected(e.message.id(), "SQS refused the message: " + error.code() + ": "
                        + error.message()));
            } else {
                results.add(PublishResult.failed(e.message.id(), new SqsEntryException(error.code(),
                        error.message())));
            }
        }
        return results;
    }

    private static List<PublishResult> failAll(String queue, List<OutboundMessage> messages, Throwable error) {
        // A client-side failure (connection refused, timeout) means SQS was not reached: an outage.
        Throwable cause = error instanceof SdkClientException
                ? new BrokerUnavailableException("SQS could not be reached for queue '" + queue + "': "
                        + error.getMessage(), error)
                : error;
        return messages.stream().map(m -> error instanceof QueueDoesNotExistException
                ? PublishResult.rejected(m.id(), "SQS queue '" + queue + "' does not exist; create it, or map "
                        + "destinations to existing queues with SqsPublisher.builder().destinations(...)", error)
                : PublishResult.failed(m.id(), cause)).toList();
    }

    /** Ids within one request: alphanumeric, unique. */
    private static String entryId(int index) {
        return "m" + index;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** A message encoded once, whichever request it ends up in. */
    private record Entry(OutboundMessage message, SqsEnvelope.Encoded encoded) {
        SendMessageBatchRequestEntry request(String id, boolean fifo) {
            SendMessageBatchRequestEntry.Builder request = SendMessageBatchRequestEntry.builder().id(id)
                    .messageBody(encoded.body()).messageAttributes(encoded.attributes());
            if (fifo) {
                request.messageGroupId(message.key() != null ? message.key() : DEFAULT_GROUP)
                        .messageDeduplicationId(message.id().toString());
            }
            return request.build();
        }
    }

    /** A batch entry SQS failed without blaming the message (throttling, an internal error): worth retrying. */
    public static final class SqsEntryException extends RuntimeException {
        SqsEntryException(String code, String message) {
            super("SQS " + code + ": " + message);
        }
    }

    /** Configures an {@link SqsPublisher}. */
    public static final class Builder {
        private final SqsAsyncClient sqs;
        private Function<OutboundMessage, String> queues = OutboundMessage::destination;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

        private Builder(SqsAsyncClient sqs) {
            this.sqs = Objects.requireNonNull(sqs, "sqs");
        }

        /** Maps each message to a queue name or URL; by default its destination. */
        public Builder destinations(Function<OutboundMessage, String> queues) {
            this.queues = Objects.requireNonNull(queues, "destinations");
            return this;
        }

        /**
         * The former name of {@link #destinations}.
         *
         * @deprecated use {@link #destinations(Function)}, the name all three publishers share
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder queues(Function<OutboundMessage, String> queues) {
            return destinations(queues);
        }

        /** Larger messages (body plus attributes) are rejected; also the most one request carries. */
        public Builder maxMessageBytes(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting when it is out of range */
        public SqsPublisher build() {
            if (maxMessageBytes < 1024 || maxMessageBytes > 1024 * 1024) {
                throw new IllegalArgumentException("SqsPublisher.builder().maxMessageBytes(" + maxMessageBytes
                        + ") must be between 1024 and 1048576 (SQS's limits)");
            }
            return new SqsPublisher(this);
        }
    }
}
