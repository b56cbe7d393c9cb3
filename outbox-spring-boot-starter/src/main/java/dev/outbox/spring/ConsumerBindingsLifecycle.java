package dev.outbox.spring;

import dev.outbox.spi.ConsumerBinding;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.SmartLifecycle;

/**
 * Starts every {@link ConsumerBinding} bean (Kafka, RabbitMQ, SQS) with the application context and closes them, in
 * reverse order, when it stops: before the pool their consumers write to closes.
 */
final class ConsumerBindingsLifecycle implements SmartLifecycle {
    private final List<ConsumerBinding> bindings;
    private final List<ConsumerBinding> started = new ArrayList<>();
    private volatile boolean running;

    ConsumerBindingsLifecycle(List<ConsumerBinding> bindings) {
        this.bindings = bindings;
    }

    @Override
    public synchronized void start() {
        for (ConsumerBinding binding : bindings) {
            binding.start();
            started.add(0, binding);
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        running = false;
        for (ConsumerBinding binding : started) {
            binding.close();
        }
        started.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return OutboxRelayLifecycle.PHASE;
    }
}
