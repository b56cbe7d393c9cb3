package dev.outbox.examples.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import dev.outbox.testing.PublisherContract;
import dev.outbox.testing.TestServers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The webhook adapter against a real HTTP server (the JDK's), passing the shared publisher contract; the server
 * side is {@link WebhookReceiver}, so every message of the contract is also signature-checked on arrival.
 */
class WebhookPublisherTest extends PublisherContract {
    static final byte[] SECRET = "a secret of sixteen bytes or more".getBytes(StandardCharsets.UTF_8);

    private HttpServer server;
    private String base;
    private final Map<String, List<InboundMessage>> received = new ConcurrentHashMap<>();

    @BeforeAll
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    void stopServer() {
        server.stop(0);
    }

    @Override
    protected MessagePublisher createPublisher() {
        return createPublisher(OutboundMessage::destination);
    }

    @Override
    protected MessagePublisher createPublisher(Function<OutboundMessage, String> destinations) {
        return WebhookPublisher.builder(SECRET, m -> {
            String destination = destinations.apply(m);
            return destination == null ? null : URI.create(base + "/" + destination);
        }).build();
    }

    @Override
    protected String createDestination(String base) {
        String name = TestServers.uniqueName(base);
        List<InboundMessage> messages = new ArrayList<>();
        received.put(name, messages);
        server.createContext("/" + name, new WebhookReceiver(SECRET, message -> {
            synchronized (messages) {
                messages.add(message);
            }
            return new ConsumeOutcome.Processed();
        }, 1 << 20, Duration.ofMinutes(5), Clock.systemUTC()));
        return name;
    }

    @Override
    protected List<InboundMessage> receive(String destination, int count, Duration timeout) {
        List<InboundMessage> messages = received.get(destination);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (messages) {
                if (messages.size() >= count) {
                    return List.copyOf(messages);
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    @Test
    void theAnswerDecidesTheResultAndRetryAfterIsHonoured() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        int[] statuses = {400, 500, 503, 204};
        server.createContext("/answers", exchange -> {
            int n = requests.getAndIncrement();
            if (statuses[Math.min(n, 3)] == 503) {
                exchange.getResponseHeaders().set("Retry-After", "2");
            }
            exchange.sendResponseHeaders(statuses[Math.min(n, 3)], -1);
            exchange.close();
        });
        try (MessagePublisher publisher = createPublisher(m -> "answers")) {
            assertThat(publishOne(publisher)).isInstanceOfSatisfying(PublishResult.Rejected.class,
                    r -> assertThat(r.reason()).contains("HTTP 400"));
            assertThat(publishOne(publisher)).isInstanceOfSatisfying(PublishResult.Failed.class,
                    f -> assertThat(f.cause()).isInstanceOf(BrokerUnavailableException.class));
            assertThat(publishOne(publisher)).isInstanceOf(PublishResult.Failed.class);
            // Within the Retry-After: failed at once, no request made.
            assertThat(publishOne(publisher)).isInstanceOfSatisfying(PublishResult.Failed.class,
                    f -> assertThat(f.cause()).hasMessageContaining("Retry-After"));
            assertThat(requests.get()).isEqualTo(3);
            TimeUnit.MILLISECONDS.sleep(2_100);
            assertThat(publishOne(publisher)).isInstanceOf(PublishResult.Acked.class);
        }
    }

    @Test
    void aBadSignatureIsRefusedAndAnUnsendableEnvelopeRejected() throws Exception {
        String destination = createDestination("signed");
        try (MessagePublisher forger = WebhookPublisher.builder("another secret, also long enough"
                .getBytes(StandardCharsets.UTF_8), m -> URI.create(base + "/" + destination)).build();
             MessagePublisher publisher = createPublisher()) {
            assertThat(publishOne(forger)).isInstanceOfSatisfying(PublishResult.Rejected.class,
                    r -> assertThat(r.reason()).contains("HTTP 401"));
            OutboundMessage broken = outbound(destination, "k", "x").withDestination(destination,
                    Map.of("note", "line\r\nInjected: yes"), 0);
            assertThat(publisher.publish(List.of(broken)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .singleElement().isInstanceOfSatisfying(PublishResult.Rejected.class,
                            r -> assertThat(r.reason()).contains("HTTP headers"));
        }
        assertThat(received.get(destination)).isEmpty();
    }

    private static PublishResult publishOne(MessagePublisher publisher) throws Exception {
        return publisher.publish(List.of(outbound("answers", "k", "{}"))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS).get(0);
    }
}
