package dev.outbox.examples.bench;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** No broker: every message acked at once, so the figures are the relay's own cost. */
final class NoOpSink implements Sink {
    private final MessagePublisher publisher = batch -> {
        List<PublishResult> results = new ArrayList<>(batch.size());
        for (OutboundMessage m : batch) {
            results.add(PublishResult.acked(m.id()));
        }
        return CompletableFuture.completedFuture(results);
    };

    @Override
    public String name() {
        return "no-op publisher";
    }

    @Override
    public String destination(String base) {
        return base;
    }

    @Override
    public MessagePublisher publisher() {
        return publisher;
    }

    @Override
    public double rawSend(String destination, int messages) {
        return 0;
    }

    @Override
    public void sendAndAwait(String destination, List<OutboundMessage> batch) {
        // nothing to send
    }

    @Override
    public void purge(String destination) {
        // nothing kept
    }

    @Override
    public void close() {
        // nothing held
    }
}
