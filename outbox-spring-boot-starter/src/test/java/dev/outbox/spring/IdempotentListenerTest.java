package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.DeadLetterFilter;
import dev.outbox.IdempotentConsumer;
import dev.outbox.Outbox;
import dev.outbox.PoisonMessageException;
import dev.outbox.spi.ConsumeOutcome;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.RetryPolicy;
import dev.outbox.testing.TestDatabase;
import dev.outbox.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;

/**
 * The listener helper on records and messages as Spring Kafka and Spring AMQP hand them to listener methods: one
 * effect per id, poison to the database dead letters, and an exception (so the container redelivers) when a
 * message could not be processed now.
 */
class IdempotentListenerTest {
    private TestDatabase db;
    private Outbox outbox;

    @BeforeEach
    void createDatabase() {
        db = TestServers.h2().createDatabase("listener");
        outbox = Outbox.builder().dataSource(db.dataSource()).build();
        outbox.schema().create();
        db.jdbi().useHandle(h -> h.execute("CREATE TABLE effects (id VARCHAR(255) PRIMARY KEY, body VARCHAR(255))"));
    }

    @AfterEach
    void dropDatabase() {
        db.close();
    }

    private IdempotentListener listener() {
        return IdempotentListener.of(IdempotentConsumer.builder("listener").jdbi(db.jdbi())
                .handler((message, handle) -> {
                    String body = new String(message.payload(), StandardCharsets.UTF_8);
                    if (body.equals("poison")) {
                        throw new PoisonMessageException("cannot be invoiced");
                    }
                    handle.execute("INSERT INTO effects (id, body) VALUES (?, ?)", message.id(), body);
                })
                .retryPolicy(RetryPolicy.fixed(Duration.ZERO))
                .deadLetterToDatabase(true)
                .build());
    }

    private int effects() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM effects").mapTo(Integer.class).one());
    }

    @Test
    void kafkaRecordsOfStringsHaveOneEffectPerIdAndPoisonGoesToTheDatabase() {
        IdempotentListener listener = listener();
        ConsumerRecord<String, String> record = new ConsumerRecord<>("orders", 0, 7, "order-1", "hello");
        record.headers().add(Envelope.MESSAGE_ID, "m-1".getBytes(StandardCharsets.UTF_8));
        listener.handle(record);
        listener.handle(record);
        assertThat(effects()).isEqualTo(1);

        ConsumerRecord<byte[], byte[]> poison = new ConsumerRecord<>("orders", 0, 8, null,
                "poison".getBytes(StandardCharsets.UTF_8));
        poison.headers().add(Envelope.MESSAGE_ID, "m-2".getBytes(StandardCharsets.UTF_8));
        listener.handle(poison);
        assertThat(outbox.admin().deadLetters(DeadLetterFilter.all().withOrigin("listener"), 10)).singleElement()
                .satisfies(d -> assertThat(d.lastError()).contains("cannot be invoiced"));
    }

    @Test
    void rabbitMessagesReadTheEnvelopeFromProperties() {
        IdempotentListener listener = listener();
        MessageProperties props = new MessageProperties();
        props.setMessageId("m-3");
        props.setConsumerQueue("orders");
        listener.handle(new Message("hello".getBytes(StandardCharsets.UTF_8), props));
        listener.handle(new Message("hello".getBytes(StandardCharsets.UTF_8), props));
        assertThat(effects()).isEqualTo(1);

    }

    @Test
    void aMessageNotProcessedNowThrowsSoThatTheContainerRedeliversIt() {
        IdempotentListener unavailable = IdempotentListener.of(message ->
                new ConsumeOutcome.NotProcessed("database unavailable", null, true));
        MessageProperties props = new MessageProperties();
        props.setMessageId("m-4");
        assertThatThrownBy(() -> unavailable.handle(new Message("later".getBytes(StandardCharsets.UTF_8), props)))
                .isInstanceOf(IdempotentListener.NotSettledException.class);
    }
}
