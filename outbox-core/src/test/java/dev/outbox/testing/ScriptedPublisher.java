package dev.outbox.testing;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A failure-injecting publisher for relay tests: a script decides each attempt's outcome; every attempt and every
 * ack is recorded in order, with its time. Optionally answers after a delay, like a broker round trip.
 */
public final class ScriptedPublisher implements MessagePublisher {
    /** An attempt as the publisher saw it. */
    public record Attempt(OutboundMessage message, int number, Instant at, PublishResult result) {
    }

    private final BiFunction<OutboundMessage, Integer, PublishResult> script;
    private final Duration delay;
    private final Map<UUID, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final List<Attempt> log = new CopyOnWriteArrayList<>();
    private final List<OutboundMessage> acked = new CopyOnWriteArrayList<>();
    private final List<List<UUID>> batchIds = new CopyOnWriteArrayList<>();
    private final AtomicInteger batches = new AtomicInteger();
    private final AtomicInteger largestBatch = new AtomicInteger();

    public ScriptedPublisher(BiFunction<OutboundMessage, Integer, PublishResult> script, Duration delay) {
        this.script = script;
        this.delay = delay;
    }

    /** Acks everything at once. */
    public static ScriptedPublisher acking() {
        return new ScriptedPublisher((m, n) -> PublishResult.acked(m.id()), Duration.ZERO);
    }

    @Override
    public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
        batches.incrementAndGet();
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        batchIds.add(batch.stream().map(OutboundMessage::id).toList());
        List<PublishResult> results = new ArrayList<>(batch.size());
        for (OutboundMessage m : batch) {
            int n = attempts.computeIfAbsent(m.id(), id -> new AtomicInteger()).incrementAndGet();
            PublishResult result = script.apply(m, n);
            log.add(new Attempt(m, n, Instant.now(), result));
            if (result instanceof PublishResult.Acked) {
                acked.add(m);
            }
            results.add(result);
        }
        return delay.isZero()
                ? CompletableFuture.completedFuture(results)
                : CompletableFuture.supplyAsync(() -> results,
                        CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Acked messages in ack order (duplicates included). */
    public List<OutboundMessage> acked() {
        return List.copyOf(acked);
    }

    public List<Attempt> attempts() {
        return List.copyOf(log);
    }

    public List<Attempt> attemptsOf(UUID id) {
        return log.stream().filter(a -> a.message().id().equals(id)).toList();
    }

    public int batches() {
        return batches.get();
    }

    /** The ids of each batch, in publish order. */
    public List<List<UUID>> batchIds() {
        return List.copyOf(batchIds);
    }

    public int largestBatch() {
        return largestBatch.get();
    }
}
