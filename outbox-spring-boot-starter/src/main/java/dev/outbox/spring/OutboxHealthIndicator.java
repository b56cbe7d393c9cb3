package dev.outbox.spring;

import dev.outbox.Outbox;
import dev.outbox.OutboxStats;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * DOWN when this instance's relay should run and does not, when the oldest pending message is older than
 * {@code outbox.health.max-oldest-pending-age}, or when there are more dead letters than
 * {@code outbox.health.max-dead-letters}; the statistics in the details either way.
 *
 * <p>Thread-safe: health checks may run at once.
 */
public final class OutboxHealthIndicator extends AbstractHealthIndicator {
    private final Outbox outbox;
    private final ObjectProvider<OutboxRelayLifecycle> relay;
    private final OutboxProperties properties;

    OutboxHealthIndicator(Outbox outbox, ObjectProvider<OutboxRelayLifecycle> relay, OutboxProperties properties) {
        super("Outbox health check failed");
        this.outbox = outbox;
        this.relay = relay;
        this.properties = properties;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        OutboxStats stats = outbox.admin().stats();
        OutboxRelayLifecycle lifecycle = relay.getIfAvailable();
        String relayState = lifecycle == null ? "disabled" : lifecycle.isRunning() ? "running" : "stopped";
        OutboxProperties.Health limits = properties.getHealth();
        boolean down = "stopped".equals(relayState)
                || stats.oldestPendingAge().compareTo(limits.getMaxOldestPendingAge()) > 0
                || limits.getMaxDeadLetters() >= 0 && stats.deadLetters() > limits.getMaxDeadLetters();
        (down ? builder.down() : builder.up())
                .withDetail("relay", relayState)
                .withDetail("pending", stats.pending())
                .withDetail("oldestPendingAge", stats.oldestPendingAge().toString())
                .withDetail("inFlight", stats.inFlight())
                .withDetail("deadLetters", stats.deadLetters());
    }
}
