package dev.outbox.spring;

import dev.outbox.Outbox;
import dev.outbox.OutboxRelay;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboxListener;
import dev.outbox.spi.RetryPolicy;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * The relay as part of the application context: started once every bean exists (so after Flyway or Liquibase ran
 * and the schema initialiser created the tables), stopped gracefully, batches in flight drained, before beans are
 * destroyed and the pool closes.
 *
 * <p>Thread-safe: Spring may start and stop it from any thread.
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {
    /** Starts late and stops early: after and before the application's own lifecycle beans of the default phase. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

    private final Outbox outbox;
    private final List<MessagePublisher> publishers;
    private final OutboxProperties properties;
    private final List<OutboxListener> listeners;
    private volatile @Nullable OutboxRelay relay;

    OutboxRelayLifecycle(Outbox outbox, List<MessagePublisher> publishers, OutboxProperties properties,
                         List<OutboxListener> listeners) {
        this.outbox = outbox;
        this.publishers = publishers;
        this.properties = properties;
        this.listeners = listeners;
    }

    @Override
    public void start() {
        if (publishers.size() != 1) {
            throw new IllegalStateException(publishers.isEmpty()
                    ? "outbox.relay.enabled is true but there is no MessagePublisher: add outbox-kafka with "
                            + "spring.kafka.bootstrap-servers, outbox-rabbitmq with spring-boot-starter-amqp, "
                            + "outbox-sqs with an SqsAsyncClient bean, or a MessagePublisher bean of your own; or set "
                            + "outbox.relay.enabled=false on instances that only write"
                    : "outbox.relay: " + publishers.size() + " MessagePublisher beans; mark the relay's @Primary");
        }
        OutboxRelay started = PropertyErrors.named(properties, "relay", this::build);
        started.start();
        relay = started;
    }

    private OutboxRelay build() {
        OutboxProperties.Relay r = properties.getRelay();
        OutboxRelay.Builder builder = OutboxRelay.builder(outbox)
                .publisher(publishers.get(0))
                .ordering(r.getOrdering())
                .batchSize(r.getBatchSize())
                .maxInFlightBatches(r.getMaxInFlightBatches())
                .minPollInterval(r.getMinPollInterval())
                .maxPollInterval(r.getMaxPollInterval())
                .publishTimeout(r.getPublishTimeout())
                .closeTimeout(r.getCloseTimeout())
                .retention(r.getRetention())
                .listenForNotifications(r.isListenForNotifications())
                .retryPolicy(RetryPolicy.exponential(r.getRetry().getInitial(), r.getRetry().getMax()))
                .deadLetterPolicy(r.getDeadLetter().policy());
        if (r.getId() != null && !r.getId().isBlank()) {
            builder.relayId(r.getId());
        }
        listeners.forEach(builder::listener);
        return builder.build();
    }

    @Override
    public void stop() {
        OutboxRelay running = relay;
        if (running != null) {
            running.close();
        }
    }

    @Override
    public boolean isRunning() {
        OutboxRelay running = relay;
        return running != null && running.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The running relay, or null before start and after a failed start. */
    public @Nullable OutboxRelay relay() {
        return relay;
    }
}
