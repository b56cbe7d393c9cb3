package dev.outbox.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.OutboxMessage;
import dev.outbox.OutboxRelay;
import dev.outbox.inmemory.InMemoryPublisher;
import dev.outbox.opentelemetry.OpenTelemetryTracing;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With an OpenTelemetry SDK installed, a message's write, publish and processing are spans of one trace: the write's
 * {@code create} span under the caller's span, the relay's {@code send} and the consumer's {@code process} spans
 * under it, with the messaging attributes.
 */
class TracingTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private OpenTelemetrySdk sdk;
    private TestDatabase db;

    @BeforeEach
    void createSdk() {
        GlobalOpenTelemetry.resetForTest();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter))
                        .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        db = TestServers.h2().createDatabase("tracing");
    }

    @AfterEach
    void closeSdk() {
        GlobalOpenTelemetry.resetForTest();
        sdk.close();
        db.close();
    }

    @Test
    void writePublishAndProcessAreOneTrace() throws Exception {
        Outbox outbox = Outbox.builder().dataSource(db.dataSource()).tracePropagator(OpenTelemetryTracing.of(sdk))
                .build();
        outbox.schema().create();
        Span checkout = sdk.getTracer("test").spanBuilder("checkout").startSpan();
        try (Scope ignored = checkout.makeCurrent(); Connection c = db.connection()) {
            c.setAutoCommit(false);
            outbox.write(c, OutboxMessage.builder().destination("orders").key("o-1").type("OrderPlaced")
                    .payload(Map.of("orderId", "o-1")).build());
            c.commit();
        } finally {
            checkout.end();
        }
        InMemoryPublisher publisher = new InMemoryPublisher();
        try (OutboxRelay relay = OutboxRelay.builder(outbox).publisher(publisher).build()) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.published().size() == 1);
        }
        OutboundMessage sent = publisher.published().get(0);
        Jdbi jdbi = db.jdbi();
        IdempotentConsumer consumer = IdempotentConsumer.builder("billing").jdbi(jdbi)
                .tracePropagator(OpenTelemetryTracing.of(sdk)).handler((message, handle) -> { }).build();
        ConsumeOutcome outcome = consumer.process(Envelope.inbound("orders", sent.payload(), Envelope.headers(sent),
                1));
        assertThat(outcome).isInstanceOf(ConsumeOutcome.Processed.class);

        await().atMost(Duration.ofSeconds(10)).until(() -> exporter.getFinishedSpanItems().size() >= 4);
        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData root = span(spans, "checkout");
        SpanData create = span(spans, "create orders");
        SpanData send = span(spans, "send orders");
        SpanData process = span(spans, "process orders");
        assertThat(List.of(create, send, process)).allSatisfy(s ->
                assertThat(s.getTraceId()).as(s.getName()).isEqualTo(root.getTraceId()));
        assertThat(create.getParentSpanId()).isEqualTo(root.getSpanId());
        assertThat(send.getParentSpanId()).isEqualTo(create.getSpanId());
        assertThat(process.getParentSpanId()).isEqualTo(create.getSpanId());
        assertThat(create.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.message.id")))
                .isEqualTo(sent.id().toString());
        assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name")))
                .isEqualTo("billing");
        assertThat(sent.traceparent()).contains(create.getSpanId());
    }

    @Test
    void aFailedProcessingIsAnErrorSpan() throws Exception {
        Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
        outbox.schema().create();
        IdempotentConsumer consumer = IdempotentConsumer.builder("billing").jdbi(db.jdbi())
                .tracePropagator(OpenTelemetryTracing.of(sdk)).handler((message, handle) -> {
                    throw new IllegalStateException("boom");
                }).retryPolicy(attempts -> Duration.ZERO).build();
        consumer.process(Envelope.inbound("orders", new byte[0], Map.of(Envelope.MESSAGE_ID, "m-1",
                Envelope.TRACEPARENT, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), 1));
        assertThat(exporter.getFinishedSpanItems()).filteredOn(s -> s.getName().equals("process orders"))
                .isNotEmpty().allSatisfy(s -> {
                    assertThat(s.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
                    assertThat(s.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
                });
    }

    @Test
    void theGlobalSdkIsUsedOnceRegisteredAndNeverRegisteredByTheLibrary() throws Exception {
        Outbox outbox = Outbox.builder().dataSource(db.dataSource()).build();
        outbox.schema().create();
        write(outbox, "o-2");
        assertThat(exporter.getFinishedSpanItems()).as("nothing recorded before an SDK is registered").isEmpty();

        GlobalOpenTelemetry.set(sdk);    // would throw had the library installed a no-op global
        write(outbox, "o-3");
        boolean apiTellsWhetherSet = Arrays.stream(GlobalOpenTelemetry.class.getMethods())
                .anyMatch(m -> m.getName().equals("isSet"));
        if (apiTellsWhetherSet) {
            assertThat(exporter.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("create orders");
        } else {
            // An API before 1.52 cannot tell; the library then records only with OpenTelemetryTracing.of(sdk).
            assertThat(exporter.getFinishedSpanItems()).isEmpty();
        }
    }

    private void write(Outbox outbox, String key) throws Exception {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            outbox.write(c, OutboxMessage.builder().destination("orders").key(key).payload(Map.of()).build());
            c.commit();
        }
    }

    private static SpanData span(List<SpanData> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
    }
}
