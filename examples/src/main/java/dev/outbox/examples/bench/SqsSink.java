package dev.outbox.examples.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessagePublisher;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * SQS at {@code OUTBOX_BENCH_SQS_ENDPOINT}, else ElasticMQ started in a child JVM for the run; standard queues. The
 * raw client sends the same bodies and packed attributes in batches of 10, as many requests in flight as the client
 * has connections ({@value #CONNECTIONS}, for the relay too).
 */
final class SqsSink implements Sink {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Connections of the client, for the relay and the raw sender alike, and the raw sender's requests in flight. */
    private static final int CONNECTIONS = 64;
    private static final int RAW_WINDOW = CONNECTIONS;

    private final EmbeddedElasticMq embedded;
    private final String endpoint;
    private final SqsAsyncClient sqs;
    private final SqsPublisher publisher;
    private final Map<String, String> urls = new ConcurrentHashMap<>();

    SqsSink() {
        String configured = System.getenv("OUTBOX_BENCH_SQS_ENDPOINT");
        embedded = configured == null || configured.isBlank() ? EmbeddedElasticMq.start() : null;
        endpoint = embedded != null ? embedded.endpoint().toString() : configured;
        sqs = SqsAsyncClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(CONNECTIONS))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        publisher = SqsPublisher.builder(sqs).build();
    }

    @Override
    public String name() {
        return "SQS (" + (embedded != null ? "ElasticMQ started for the run" : endpoint) + ", standard queue)";
    }

    @Override
    public String destination(String base) {
        String queue = base + "-" + ProcessHandle.current().pid();
        urls.put(queue, sqs.createQueue(r -> r.queueName(queue)).join().queueUrl());
        return queue;
    }

    @Override
    public MessagePublisher publisher() {
        return publisher;
    }

    @Override
    public double rawSend(String destination, int messages) {
        Semaphore window = new Semaphore(RAW_WINDOW);
        List<CompletableFuture<?>> sent = new ArrayList<>();
        long start = System.nanoTime();
        for (int from = 0; from < messages; from += 10) {
            List<OutboundMessage> chunk = new ArrayList<>(10);
            for (int i = from; i < Math.min(messages, from + 10); i++) {
                chunk.add(Messages.outbound(i, destination));
            }
            window.acquireUninterruptibly();
            sent.add(send(destination, chunk).whenComplete((r, e) -> window.release()));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void sendAndAwait(String destination, List<OutboundMessage> batch) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int from = 0; from < batch.size(); from += 10) {
            sent.add(send(destination, batch.subList(from, Math.min(batch.size(), from + 10))));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    }

    private CompletableFuture<?> send(String queue, List<OutboundMessage> chunk) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            OutboundMessage m = chunk.get(i);
            entries.add(SendMessageBatchRequestEntry.builder().id("m" + i)
                    .messageBody(new String(m.payload(), StandardCharsets.UTF_8)).messageAttributes(attributes(m))
                    .build());
        }
        return sqs.sendMessageBatch(r -> r.queueUrl(urls.get(queue)).entries(entries)).thenAccept(response -> {
            if (!response.failed().isEmpty()) {
                throw new IllegalStateException("entries failed: " + response.failed());
            }
        });
    }

    /** The envelope as the publisher packs it: the id and type on their own, the rest in one JSON attribute. */
    private static Map<String, MessageAttributeValue> attributes(OutboundMessage m) {
        Map<String, String> headers = new LinkedHashMap<>(Envelope.headers(m));
        headers.remove(Envelope.MESSAGE_ID);
        headers.remove(Envelope.TYPE);
        try {
            return Map.of(Envelope.MESSAGE_ID, string(m.id().toString()), Envelope.TYPE, string(m.type()),
                    "outbox-envelope", string(JSON.writeValueAsString(headers)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageAttributeValue string(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    @Override
    public void purge(String destination) {
        sqs.purgeQueue(r -> r.queueUrl(urls.get(destination))).join();
    }

    @Override
    public void close() {
        sqs.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
