package dev.outbox.inmemory;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link MessagePublisher} that keeps what it is given in memory and acks everything: <b>for tests only</b>, to
 * run an {@link dev.outbox.OutboxRelay} without a broker and assert what it published. Thread-safe.
 */
public final class InMemoryPublisher implements MessagePublisher {
    private final List<OutboundMessage> published = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch) {
        List<PublishResult> results = new ArrayList<>(batch.size());
        for (OutboundMessage message : batch) {
            published.add(message);
            results.add(PublishResult.acked(message.id()));
        }
        return CompletableFuture.completedFuture(results);
    }

    /** Everything published so far, in publish order, duplicates included. */
    public List<OutboundMessage> published() {
        return List.copyOf(published);
    }

    public void clear() {
        published.clear();
    }
}
