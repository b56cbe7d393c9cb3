package dev.outbox.sqs;

import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.ConsumerBinding;
import dev.outbox.spi.Deliveries;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessageProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import org.jspecify.annotations.Nullable;

// Longer than most files: a third of it is the builder's documented options; the rest is the receive loop with
// its visibility bookkeeping, which reads best in one place.
/**
 * Consumes an SQS queue into a {@link MessageProcessor} (an {@code IdempotentConsumer}) with long polling, deleting a
 * message only after the processor committed it, found it a duplicate, or had it dead-lettered.
 *
 * <pre>{@code
 * SqsConsumerBinding binding = SqsConsumerBinding.builder(sqs, queueUrl, consumer).consumers(4).build();
 * binding.start();
 * }</pre>
 *
 * <p>Each of {@code consumers} pollers receives up to {@code maxMessages} messages per long poll and processes
 * them in order, then deletes the finished ones in one {@code DeleteMessageBatch}. While a message is being
 * processed its visibility is extended every half {@code visibilityTimeout}, so a slow handler does not get its
 * message delivered twice. A message that could not be processed (database down, or the processor threw) is made
 * visible again after {@code retryDelay}; on FIFO queues the later messages of its group in the same receive are
 * released too, so the group's order holds. The attempt number is SQS's {@code ApproximateReceiveCount}.
 *
 * <p>Dead letters are sent to the dead-letter queue ({@code <queue>-dlq}, or {@code <name>-dlq.fifo} for FIFO
 * queues, by default) with the original body and the reason attributes of {@link Envelope#deadLetterHeaders}, then
 * deleted; one the queue refuses in full (over {@code maxMessageBytes}, or attributes SQS will not take) is sent
 * without its body, and failing that stored by the processor. A message with a malformed envelope (e.g. a body
 * marked base64 that is not) is dead-lettered as received. A message that keeps failing for a reason other than an
 * outage is dead-lettered after {@link Deliveries#DEFAULT_MAX_UNSETTLED} receives. A redrive policy on the queue
 * stays useful as a backstop for messages that never reach the processor. The configuration is copied at
 * {@link Builder#build()}; the binding is thread-safe.
 */
public final class SqsConsumerBinding implements ConsumerBinding {
    public static final int DEFAULT_MAX_MESSAGES = 10;
    public static final Duration DEFAULT_WAIT_TIME = Duration.ofSeconds(20);
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(SqsConsumerBinding.class);
    private static final String DLQ_SUFFIX = "-dlq";
    private static final String FIFO_SUFFIX = ".fifo";

    private final SqsAsyncClient sqs;
    private final String queueUrl;
    private final int consumers;
    private final int maxMessages;
    private final Duration waitTime;
    private final Duration visibilityTimeout;
    private final Duration retryDelay;
    private final Duration closeTimeout;
    private final int maxMessageBytes;
    private final @Nullable String configuredDeadLetterQueueUrl;
    private final Deliveries deliveries;
    private final boolean fifo;
    private final List<Thread> pollers = new ArrayList<>();
    private final Set<CompletableFuture<ReceiveMessageResponse>> receiving = ConcurrentHashMap.newKeySet();
    private final Map<String, Message> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    // Set by start(), before any message is received.
    private @Nullable ScheduledExecutorService extender;
    private @Nullable String deadLetterQueueUrl;
    private @Nullable SqsDeadLetters deadLetters;

    private SqsConsumerBinding(Builder b) {
        sqs = b.sqs;
        queueUrl = b.queueUrl;
        consumers = b.consumers;
        maxMessages = b.maxMessages;
        waitTime = b.waitTime;
        visibilityTimeout = b.visibilityTimeout;
        retryDelay = b.retryDelay;
        closeTimeout = b.closeTimeout;
        maxMessageBytes = b.maxMessageBytes;
        configuredDeadLetterQueueUrl = b.deadLetterQueueUrl;
        deliveries = Deliveries.of(b.processor);
        fifo = queueUrl.endsWith(FIFO_SUFFIX);
    }

    /** A binding consuming the queue at {@code queueUrl} with the application's client, which it does not close. */
    public static Builder builder(SqsAsyncClient sqs, String queueUrl, MessageProcessor processor) {
        return new Builder(sqs, queueUrl, processor);
    }

    /** The default dead-letter queue name for a queue URL: {@code <name>-dlq}, keeping a {@code .fifo} suffix. */
    public static String deadLetterQueueName(String queueUrl) {
        String name = queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
        return name.endsWith(FIFO_SUFFIX)
                ? name.substring(0, name.length() - FIFO_SUFFIX.length()) + DLQ_SUFFIX + FIFO_SUFFIX
                : name + DLQ_SUFFIX;
    }

    /**
     * Resolves the dead-letter queue and starts the pollers.
     *
     * @throws OutboxConfigurationException when the dead-letter queue does not exist or cannot be looked up
     */
    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("SqsConsumerBinding for " + queueUrl + " was already started");
        }
        deadLetterQueueUrl = configuredDeadLetterQueueUrl != null ? configuredDeadLetterQueueUrl
                : lookUpDeadLetterQueue();
        deadLetters = new SqsDeadLetters(sqs, deadLetterQueueUrl, maxMessageBytes);
        extender = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "outbox-sqs-visibility"));
        long every = Math.max(1, visibilityTimeout.toMillis() / 2);
        extender.scheduleWithFixedDelay(this::extendVisibility, every, every, TimeUnit.MILLISECONDS);
        for (int i = 0; i < consumers; i++) {
            Thread poller = daemon(this::poll, "outbox-sqs-" + i);
            pollers.add(poller);
            poller.start();
        }
        log.info("Consuming SQS queue {} ({} poller(s), dead letters to {})", queueUrl, consumers,
                deadLetterQueueUrl);
    }

    private String lookUpDeadLetterQueue() {
        String name = deadLetterQueueName(queueUrl);
        try {
            return sqs.getQueueUrl(r -> r.queueName(name)).join().queueUrl();
        } catch (CompletionException e) {
            String why = e.getCause() instanceof QueueDoesNotExistException ? "it does not exist"
                    : String.valueOf(e.getCause());
            throw new OutboxConfigurationException("SqsConsumerBinding: dead-letter queue '" + name + "' for "
                    + queueUrl + " cannot be used: " + why + ". Create it, or name another with "
                    + "SqsConsumerBinding.builder(...).deadLetterQueueUrl(url)", e.getCause());
        }
    }

    private void poll() {
        while (!stopping) {
            try {
                List<Message> messages = receive();
                if (messages != null) {
                    handle(messages);
                }
            } catch (RuntimeException | Error e) {
                // Nothing a message carries gets here (Deliveries settles everything); this is a bug or a broken
                // client. The poller goes on; unfinished messages return after their visibility timeout.
                log.error("SQS poller {} failed unexpectedly; retrying in {}", Thread.currentThread().getName(),
                        retryDelay, e);
                pause(retryDelay);
            }
        }
    }

    /** One long poll; null when it failed or was cancelled. */
    private @Nullable List<Message> receive() {
        CompletableFuture<ReceiveMessageResponse> receive = sqs.receiveMessage(r -> r
                .queueUrl(queueUrl)
                .maxNumberOfMessages(maxMessages)
                .waitTimeSeconds((int) waitTime.toSeconds())
                .visibilityTimeout((int) visibilityTimeout.toSeconds())
                .messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.MESSAGE_GROUP_ID));
        receiving.add(receive);
        try {
            return receive.join().messages();
        } catch (CancellationException | CompletionException e) {
            if (!stopping) {
                log.warn("Receiving from SQS queue {} failed; retrying in {}: {}", queueUrl, retryDelay,
                        e.getCause() != null ? e.getCause().toString() : e.toString());
                pause(retryDelay);
            }
            return null;
        } finally {
            receiving.remove(receive);
        }
    }

    private void handle(List<Message> messages) {
        messages.forEach(m -> inFlight.put(m.receiptHandle(), m));
        List<Message> done = new ArrayList<>();
        List<Message> retry = new ArrayList<>();
        List<Message> release = new ArrayList<>();
        try {
            Set<String> blockedGroups = new HashSet<>();
            for (Message m : messages) {
                String group = m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
                if (stopping || (fifo && group != null && blockedGroups.contains(group))) {
                    release.add(m);
                } else if (process(m)) {
                    done.add(m);
                } else {
                    retry.add(m);
                    if (group != null) {
                        blockedGroups.add(group);
                    }
                }
            }
            delete(done);
            changeVisibility(retry, retryDelay);
            changeVisibility(release, Duration.ZERO);
        } finally {
            messages.forEach(m -> inFlight.remove(m.receiptHandle()));
        }
    }

    /** True when the message is finished with (it may be deleted); false to receive it again later. */
    private boolean process(Message received) {
        return deliveries.settle(() -> SqsEnvelope.inbound(queueUrl, received), queueUrl,
                received.body() == null ? new byte[0] : received.body().getBytes(StandardCharsets.UTF_8),
                SqsEnvelope.rawHeaders(received),
                (message, dead) -> Objects.requireNonNull(deadLetters).send(received, message, dead));
    }

    private void delete(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        try {
            var response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(
                    indexed(messages, (i, m) -> DeleteMessageBatchRequestEntry.builder().id("d" + i)
                            .receiptHandle(m.receiptHandle()).build()))).join();
            response.failed().forEach(f -> log.warn("SQS did not delete a processed message from {} ({}: {}); it "
                    + "will be received again and recognised as a duplicate", queueUrl, f.code(),
                    f.message()));
        } catch (CompletionException e) {
            log.warn("Deleting {} processed message(s) from {} failed; they will be received again and recognised "
                    + "as duplicates: {}", messages.size(), queueUrl, String.valueOf(e.getCause()));
        }
    }

    private void changeVisibility(List<Message> messages, Duration timeout) {
        if (messages.isEmpty()) {
            return;
        }
        try {
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(
                    indexed(messages, (i, m) -> ChangeMessageVisibilityBatchRequestEntry.builder().id("v" + i)
                            .receiptHandle(m.receiptHandle()).visibilityTimeout((int) timeout.toSeconds())
                            .build()))).join();
        } catch (CompletionException e) {
            log.debug("Changing visibility on {} failed; the messages return after their timeout: {}",
                    queueUrl, String.valueOf(e.getCause()));
        }
    }

    private void extendVisibility() {
        if (!inFlight.isEmpty()) {
            List<Message> messages = new ArrayList<>(inFlight.values());
            for (int from = 0; from < messages.size(); from += DEFAULT_MAX_MESSAGES) {
                changeVisibility(messages.subList(from, Math.min(messages.size(), from + DEFAULT_MAX_MESSAGES)),
                        visibilityTimeout);
            }
        }
    }

    private static <T> List<T> indexed(List<Message> messages, java.util.function.BiFunction<Integer, Message, T> f) {
        List<T> result = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            result.add(f.apply(i, messages.get(i)));
        }
        return result;
    }

    /**
     * Stops receiving (an open long poll is cancelled), lets each poller finish the message it is processing,
     * deletes what was processed and releases what was received but not processed. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || !started.get()) {
            return;
        }
        stopping = true;
        stopped.countDown();
        receiving.forEach(r -> r.cancel(true));
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        for (Thread poller : pollers) {
            try {
                poller.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (extender != null) {
            extender.shutdownNow();
        }
        log.info("Stopped consuming SQS queue {}", queueUrl);
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures an {@link SqsConsumerBinding}; {@link #build()} copies the configuration. */
    public static final class Builder {
        private final SqsAsyncClient sqs;
        private final String queueUrl;
        private final MessageProcessor processor;
        private int consumers = 1;
        private int maxMessageBytes = SqsPublisher.DEFAULT_MAX_MESSAGE_BYTES;
        private int maxMessages = DEFAULT_MAX_MESSAGES;
        private Duration waitTime = DEFAULT_WAIT_TIME;
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private @Nullable String deadLetterQueueUrl;

        private Builder(SqsAsyncClient sqs, String queueUrl, MessageProcessor processor) {
            this.sqs = Objects.requireNonNull(sqs, "sqs");
            this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
            this.processor = Objects.requireNonNull(processor, "processor");
        }

        /** Pollers receiving and processing in parallel (each in receive order); default 1. */
        public Builder consumers(int consumers) {
            this.consumers = consumers;
            return this;
        }

        /**
         * The former name of {@link #consumers}.
         *
         * @deprecated use {@link #consumers(int)}, the name all three bindings share
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder concurrency(int consumers) {
            return consumers(consumers);
        }

        /** The dead-letter queue's size limit (default 256 KiB); a larger dead letter is sent without its body. */
        public Builder maxMessageBytes(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        /** Messages per receive, 1 to 10. */
        public Builder maxMessages(int maxMessages) {
            this.maxMessages = maxMessages;
            return this;
        }

        /** Long-poll wait, 0 to 20 s. */
        public Builder waitTime(Duration waitTime) {
            this.waitTime = waitTime;
            return this;
        }

        /** How long a received message stays hidden; extended while it is processed. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = visibilityTimeout;
            return this;
        }

        /** How long a message that could not be processed stays hidden before it is received again (1 s to 12 h). */
        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return this;
        }

        /** How long {@link SqsConsumerBinding#close()} waits for the pollers; default 30 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** Where dead letters go; by default the queue named {@link SqsConsumerBinding#deadLetterQueueName}. */
        public Builder deadLetterQueueUrl(String deadLetterQueueUrl) {
            this.deadLetterQueueUrl = Objects.requireNonNull(deadLetterQueueUrl, "deadLetterQueueUrl");
            return this;
        }

        /** @throws IllegalArgumentException naming the setting when one is out of SQS's range */
        public SqsConsumerBinding build() {
            check(consumers >= 1 && consumers <= 256, "consumers(" + consumers + ") must be 1 to 256");
            check(maxMessages >= 1 && maxMessages <= 10, "maxMessages(" + maxMessages + ") must be 1 to 10");
            check(waitTime != null && !waitTime.isNegative() && waitTime.toSeconds() <= 20, "waitTime(" + waitTime
                    + ") must be 0 to 20 s");
            check(visibilityTimeout != null && visibilityTimeout.toSeconds() >= 2 && visibilityTimeout.toHours() < 12,
                    "visibilityTimeout(" + visibilityTimeout + ") must be 2 s to 12 h");
            check(retryDelay != null && retryDelay.toSeconds() >= 1 && retryDelay.toHours() < 12, "retryDelay("
                    + retryDelay + ") must be 1 s to 12 h (SQS counts visibility in whole seconds; zero would turn "
                    + "a failing message into a hot loop)");
            check(closeTimeout != null && !closeTimeout.isNegative() && !closeTimeout.isZero(), "closeTimeout("
                    + closeTimeout + ") must be positive");
            check(maxMessageBytes >= 1024 && maxMessageBytes <= 1024 * 1024, "maxMessageBytes(" + maxMessageBytes
                    + ") must be between 1024 and 1048576 (SQS's limits)");
            return new SqsConsumerBinding(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("SqsConsumerBinding.builder()." + message);
            }
        }
    }
}
