package dev.outbox.examples.webhook;

import dev.outbox.spi.BrokerUnavailableException;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A custom adapter written only against the SPI: each message is an HTTP POST of its payload to the URL its
 * destination maps to, with the envelope as headers and an HMAC signature ({@link WebhookSignature}). The answer
 * decides the result: 2xx acked; 4xx rejected (dead-lettered at once: the receiver refuses this message, sending
 * it again cannot help), except 408 and 429; 5xx, 408, 429, timeouts and connection errors failed as the endpoint's
 * unavailability (retried without using up attempts). A {@code Retry-After} on 429 or 503 is honoured: until then
 * messages to that host fail at once, without a request.
 */
public final class WebhookPublisher implements MessagePublisher {
    private final HttpClient http;
    private final ExecutorService executor;
    private final Function<OutboundMessage, URI> urls;
    private final WebhookSignature signature;
    private final Duration timeout;
    private final Clock clock;
    /** Per host: the end of a Retry-After the endpoint asked for. */
    private final Map<String, Instant> retryAfter = new ConcurrentHashMap<>();

    private WebhookPublisher(Builder b) {
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "webhook-http");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(b.timeout).executor(executor).build();
        this.urls = b.urls;
        this.signature = b.signature;
        this.timeout = b.timeout;
        this.clock = b.clock;
    }

    /** A publisher signing with {@code secret} and posting to what {@code urls} maps each message to. */
    public static Builder builder(byte[] secret, Function<OutboundMessage, URI> urls) {
        return new Builder(new WebhookSignature(secret), urls);
    }

    @Override
    public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
        List<CompletableFuture<PublishResult>> results = new ArrayList<>(batch.size());
        for (OutboundMessage m : batch) {
            results.add(post(m));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(done -> results.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<PublishResult> post(OutboundMessage m) {
        URI url;
        try {
            url = Objects.requireNonNull(urls.apply(m), "the destination mapping returned null");
        } catch (RuntimeException e) {
            return done(PublishResult.rejected(m.id(), "the destination mapping failed: " + e, e));
        }
        Instant until = retryAfter.get(url.getHost());
        if (until != null && clock.instant().isBefore(until)) {
            return done(PublishResult.failed(m.id(), new BrokerUnavailableException("webhook " + url.getHost()
                    + " asked to wait until " + until + " (Retry-After)", null)));
        }
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(timeout)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(m.payload()));
            Envelope.each(m, builder::header);
            builder.header(WebhookSignature.HEADER, signature.sign(m.id().toString(), m.payload(), clock.instant()));
            request = builder.build();
        } catch (IllegalArgumentException e) {
            // A header name or value HTTP cannot carry (control characters, a forbidden name).
            return done(PublishResult.rejected(m.id(), "the envelope cannot travel as HTTP headers: "
                    + e.getMessage(), e));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> error != null ? failed(m, url, error) : answered(m, url, response));
    }

    private PublishResult answered(OutboundMessage m, URI url, HttpResponse<?> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return PublishResult.acked(m.id());
        }
        if (status == 429 || status == 503) {
            response.headers().firstValue("Retry-After").map(this::until)
                    .ifPresent(until -> retryAfter.merge(url.getHost(), until, (a, b) -> a.isAfter(b) ? a : b));
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            return PublishResult.rejected(m.id(), "webhook " + url + " refused the message: HTTP " + status);
        }
        return PublishResult.failed(m.id(), new BrokerUnavailableException("webhook " + url + " answered HTTP "
                + status, null));
    }

    private PublishResult failed(OutboundMessage m, URI url, Throwable error) {
        Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException
                ? error.getCause() : error;
        if (cause instanceof HttpTimeoutException || cause instanceof IOException) {
            return PublishResult.failed(m.id(), new BrokerUnavailableException("webhook " + url + " unreachable: "
                    + cause, cause));
        }
        return PublishResult.failed(m.id(), cause);
    }

    /** A Retry-After value, in seconds or as an HTTP date; null when it is neither. */
    private Instant until(String value) {
        try {
            return clock.instant().plusSeconds(Math.min(3600, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static CompletableFuture<PublishResult> done(PublishResult result) {
        return CompletableFuture.completedFuture(result);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Configures a {@link WebhookPublisher}. */
    public static final class Builder {
        private final WebhookSignature signature;
        private final Function<OutboundMessage, URI> urls;
        private Duration timeout = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();

        private Builder(WebhookSignature signature, Function<OutboundMessage, URI> urls) {
            this.signature = signature;
            this.urls = Objects.requireNonNull(urls, "urls");
        }

        /** Per request (and connect) timeout; keep it below the relay's publish timeout. Default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public WebhookPublisher build() {
            return new WebhookPublisher(this);
        }
    }
}
