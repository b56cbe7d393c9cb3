package dev.outbox.examples.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.Ordering;
import dev.outbox.Outbox;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.sqs.SqsPublisher;
import dev.outbox.testing.EmbeddedElasticMq;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * PostgreSQL to SQS (ElasticMQ): the relay publishing a pre-filled outbox through {@link SqsPublisher}, beside raw
 * {@code SendMessageBatch} calls of the same messages (10 per request, {@value #RAW_THREADS} sending threads, {@value #RAW_WINDOW} requests in flight) on
 * the same client, measured in the same run against the same server after a warm-up.
 *
 * <pre>./mvnw -q -pl examples -am -Prun -DskipTests package -Dexec.mainClass=dev.outbox.examples.bench.SqsBenchmark</pre>
 *
 * Arguments: messages (default 100000). Server: OUTBOX_BENCH_SQS_ENDPOINT (ElasticMQ or LocalStack; for real AWS
 * set the usual AWS variables and pass the regional endpoint), else ElasticMQ started in a child JVM for the run.
 * Database: as {@link RelayBenchmark}.
 */
public final class SqsBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Requests in flight for the raw sender: as many as the relay's 4 batches of 500 make (4 x 50). */
    private static final int RAW_WINDOW = 200;
    private static final int RAW_THREADS = 4;

    private SqsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        String endpoint = System.getenv("OUTBOX_BENCH_SQS_ENDPOINT");
        EmbeddedElasticMq embedded = null;
        if (endpoint == null || endpoint.isBlank()) {
            embedded = EmbeddedElasticMq.start();
            endpoint = embedded.endpoint().toString();
        }
        String queue = "outbox-bench-" + ProcessHandle.current().pid();
        try (BenchDatabase db = new BenchDatabase("sqs", 16);
             SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create(endpoint))
                     .region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                     .build()) {
            String url = sqs.createQueue(r -> r.queueName(queue)).join().queueUrl();
            Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
            outbox.schema().create();
            System.out.printf("PostgreSQL -> SQS (%s; %s%s, standard queue), %d messages of 200 bytes%n",
                    db.describe(), endpoint, embedded != null ? ", ElasticMQ started for this run" : "", messages);

            raw(sqs, url, queue, Math.min(10_000, messages));   // warm-up: client, JIT and server
            sqs.purgeQueue(r -> r.queueUrl(url)).join();
            // Raw before and after the relay: the server's speed drifts over a run, so the baseline is their mean.
            double before = raw(sqs, url, queue, messages);
            sqs.purgeQueue(r -> r.queueUrl(url)).join();
            RelayBenchmark.truncate(db.dataSource(), outbox);
            RelayBenchmark.prefill(db.dataSource(), outbox, messages, queue);
            SqsPublisher publisher = SqsPublisher.builder(sqs).build();
            RelayBenchmark.Drain relay = RelayBenchmark.drain(outbox, publisher, Ordering.NONE, 1, messages);
            sqs.purgeQueue(r -> r.queueUrl(url)).join();
            double after = raw(sqs, url, queue, messages);
            double raw = (before + after) / 2;
            System.out.printf("%-44s %10.0f msg/s   (before the relay %.0f, after %.0f)%n",
                    "raw SendMessageBatch, " + RAW_THREADS + " threads", raw, before, after);
            relay.printAgainst("relay, 1 instance, NONE", messages, raw);
            sqs.deleteQueue(r -> r.queueUrl(url)).join();
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /**
     * The same messages (body and packed attributes) sent in batches of 10 by {@value #RAW_THREADS} threads, as the
     * relay prepares its 4 batches in flight on several threads, with a bounded window of requests in flight.
     */
    private static double raw(SqsAsyncClient sqs, String url, String queue, int messages) throws Exception {
        Semaphore window = new Semaphore(RAW_WINDOW);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<?>> sent = new CopyOnWriteArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(RAW_THREADS);
        long start = System.nanoTime();
        for (int t = 0; t < RAW_THREADS; t++) {
            int thread = t;
            senders.execute(() -> {
                for (int from = thread * 10; from < messages; from += 10 * RAW_THREADS) {
                    List<SendMessageBatchRequestEntry> entries = new ArrayList<>(10);
                    for (int i = from; i < Math.min(messages, from + 10); i++) {
                        OutboundMessage m = RelayBenchmark.outbound(i, queue);
                        entries.add(SendMessageBatchRequestEntry.builder().id("m" + (i - from))
                                .messageBody(new String(m.payload(), StandardCharsets.UTF_8))
                                .messageAttributes(attributes(m)).build());
                    }
                    window.acquireUninterruptibly();
                    sent.add(sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries))
                            .whenComplete((response, error) -> {
                                window.release();
                                if (error != null || !response.failed().isEmpty()) {
                                    failure.compareAndSet(null, error != null ? error
                                            : new IllegalStateException("entries failed: " + response.failed()));
                                }
                            }));
                }
            });
        }
        senders.shutdown();
        senders.awaitTermination(10, TimeUnit.MINUTES);
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        if (failure.get() != null) {
            throw new IllegalStateException("raw send failed", failure.get());
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    /** The envelope as the publisher packs it: the id on its own, every other field in one JSON attribute. */
    private static Map<String, MessageAttributeValue> attributes(OutboundMessage m) {
        Map<String, String> headers = new LinkedHashMap<>(Envelope.headers(m));
        headers.remove(Envelope.MESSAGE_ID);
        try {
            return Map.of(Envelope.MESSAGE_ID, string(m.id().toString()), "outbox-envelope",
                    string(JSON.writeValueAsString(headers)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageAttributeValue string(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }
}
