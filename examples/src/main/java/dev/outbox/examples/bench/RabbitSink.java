package dev.outbox.examples.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.outbox.rabbitmq.RabbitPublisher;
import dev.outbox.rabbitmq.RabbitTopology;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RabbitMQ from {@code OUTBOX_BENCH_RABBITMQ_URI}, else {@code OUTBOX_TEST_RABBITMQ_URI}, else the local default;
 * durable queues of the given type, persistent messages, publisher confirms. The raw client sends the same AMQP
 * message the publisher does (properties and headers).
 */
final class RabbitSink implements Sink {
    /** Unconfirmed messages each raw channel keeps in flight: as many as a relay's batch. */
    private static final int RAW_WINDOW = 500;

    private final RabbitTopology.QueueType type;
    private final Connection connection;
    private final RabbitPublisher publisher;
    private final ThreadLocal<Channel> channels = new ThreadLocal<>();

    RabbitSink(RabbitTopology.QueueType type) throws Exception {
        this.type = type;
        String uri = System.getenv("OUTBOX_BENCH_RABBITMQ_URI");
        if (uri == null) {
            uri = System.getenv().getOrDefault("OUTBOX_TEST_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        connection = factory.newConnection("outbox-bench");
        publisher = RabbitPublisher.builder(connection).build();
    }

    @Override
    public String name() {
        return "RabbitMQ (" + type.name().toLowerCase() + " queue, persistent, confirms)";
    }

    @Override
    public String destination(String base) throws Exception {
        String queue = base + "-" + type.name().toLowerCase() + "-" + ProcessHandle.current().pid();
        try (Channel admin = connection.createChannel()) {
            RabbitTopology.declare(admin, queue, type);
        }
        return queue;
    }

    @Override
    public MessagePublisher publisher() {
        return publisher;
    }

    /** Each share on a channel of its own, with up to {@value #RAW_WINDOW} messages awaiting confirms. */
    @Override
    public double rawSend(String destination, int messages) throws Exception {
        List<OutboundMessage> batch = new ArrayList<>(messages);
        List<AMQP.BasicProperties> props = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            OutboundMessage m = Messages.outbound(i, destination);
            batch.add(m);
            props.add(properties(m));
        }
        long start = System.nanoTime();
        Sink.inShares(messages, (from, to) -> {
            Semaphore window = new Semaphore(RAW_WINDOW);
            CountDownLatch confirmed = new CountDownLatch(to - from);
            AtomicLong lastConfirmed = new AtomicLong();
            try (Channel channel = connection.createChannel()) {
                channel.confirmSelect();
                channel.addConfirmListener((tag, multiple) -> {
                    long released = multiple ? tag - lastConfirmed.getAndSet(tag) : 1;
                    if (!multiple) {
                        lastConfirmed.accumulateAndGet(tag, Math::max);
                    }
                    window.release((int) released);
                    for (long i = 0; i < released; i++) {
                        confirmed.countDown();
                    }
                }, (tag, multiple) -> {
                    throw new IllegalStateException("broker nacked raw publish " + tag);
                });
                for (int i = from; i < to; i++) {
                    window.acquire();
                    channel.basicPublish("", destination, true, props.get(i), batch.get(i).payload());
                }
                if (!confirmed.await(10, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("raw publishing was not confirmed within 10 minutes");
                }
            }
        });
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void sendAndAwait(String destination, List<OutboundMessage> batch) throws Exception {
        Channel channel = channels.get();
        if (channel == null) {
            channel = connection.createChannel();
            channel.confirmSelect();
            channels.set(channel);
        }
        for (OutboundMessage m : batch) {
            channel.basicPublish("", destination, true, properties(m), m.payload());
        }
        channel.waitForConfirmsOrDie(60_000);
    }

    /** What the publisher sends: AMQP properties for the fields AMQP has, headers for the rest. */
    private static AMQP.BasicProperties properties(OutboundMessage m) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(Envelope.KEY, m.key());
        headers.put(Envelope.CREATED_AT, m.createdAt().toString());
        return new AMQP.BasicProperties.Builder().deliveryMode(2).messageId(m.id().toString()).type(m.type())
                .contentType(m.contentType()).timestamp(Date.from(m.createdAt())).headers(headers).build();
    }

    @Override
    public void purge(String destination) throws Exception {
        try (Channel admin = connection.createChannel()) {
            admin.queuePurge(destination);
        }
    }

    @Override
    public void close() throws Exception {
        publisher.close();
        connection.close();
    }
}
