package dev.outbox.examples.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.InboundMessage;
import dev.outbox.spi.MessageProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The receiving side of the webhook, on the JDK's HTTP server: checks the signature, reads the envelope from the
 * headers and hands the message to a {@link MessageProcessor} (an {@code IdempotentConsumer}, which deduplicates
 * by message id), then answers what {@link WebhookPublisher} understands: 204 processed or duplicate; 401 a bad
 * signature; 413 a body over the limit; 422 a dead letter (the sender dead-letters it too); 503 with
 * {@code Retry-After} when it was not processed now (the sender retries).
 */
public final class WebhookReceiver implements HttpHandler {
    private final WebhookSignature signature;
    private final MessageProcessor processor;
    private final int maxBodyBytes;
    private final Duration tolerance;
    private final Clock clock;

    public WebhookReceiver(byte[] secret, MessageProcessor processor, int maxBodyBytes, Duration tolerance,
                           Clock clock) {
        this.signature = new WebhookSignature(secret);
        this.processor = processor;
        this.maxBodyBytes = maxBodyBytes;
        this.tolerance = tolerance;
        this.clock = clock;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = read(exchange.getRequestBody());
            if (body == null) {
                exchange.sendResponseHeaders(413, -1);
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!values.isEmpty()) {
                    headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
                }
            });
            String id = headers.get(Envelope.MESSAGE_ID);
            String problem = id == null ? "no " + Envelope.MESSAGE_ID + " header"
                    : signature.problem(headers.remove(WebhookSignature.HEADER), id, body, clock.instant(), tolerance);
            if (problem != null) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String destination = exchange.getRequestURI().getPath();
            InboundMessage message = Envelope.inbound(destination, body, transport(headers), 1);
            ConsumeOutcome outcome = processor.process(message);
            if (outcome instanceof ConsumeOutcome.Processed || outcome instanceof ConsumeOutcome.Duplicate) {
                exchange.sendResponseHeaders(204, -1);
            } else if (outcome instanceof ConsumeOutcome.DeadLettered) {
                exchange.sendResponseHeaders(422, -1);
            } else {
                exchange.getResponseHeaders().set("Retry-After", "1");
                exchange.sendResponseHeaders(503, -1);
            }
        }
    }

    /** The headers without HTTP's own. */
    private static Map<String, String> transport(Map<String, String> headers) {
        for (String http : List.of("host", "content-length", "content-type", "user-agent", "connection",
                "upgrade", "http2-settings")) {
            headers.remove(http);
        }
        return headers;
    }

    private byte[] read(InputStream in) throws IOException {
        byte[] body = in.readNBytes(maxBodyBytes + 1);
        return body.length > maxBodyBytes ? null : body;
    }
}
