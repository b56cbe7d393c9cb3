package dev.outbox.spi;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Sends outbox messages to a broker. The relay calls {@link #publish} with a batch and acts on one
 * {@link PublishResult} per message; this is all a custom adapter (an HTTP webhook, another broker) implements.
 *
 * <p>Contract, proved for a real broker by extending {@code PublisherContract} from the core test-jar:
 * <ul>
 *   <li>Return at once and complete the stage when the broker has answered for every message: a list with one
 *       result per message, in any order (matched by message id). A message without a result counts as
 *       {@link PublishResult.Failed}; a stage completed exceptionally fails the whole batch (retried).
 *   <li>Report failures that are the broker's, not the message's (connection lost, broker unreachable) with a
 *       {@link BrokerUnavailableException} as the cause, so that an outage does not use up messages' attempts.
 *   <li>Only report {@link PublishResult.Acked} once the broker has durably accepted the message.
 *   <li>Put the envelope on the wire: at least the message id, so that consumers can deduplicate (the same id is
 *       published again after a crash between ack and delete).
 *   <li>The relay calls {@code publish} from several threads, with several batches in flight; with
 *       {@code Ordering.BY_KEY} it never has two messages of one key in flight at once.
 * </ul>
 * Publishers are created and closed by the application; the relay does not close them.
 *
 * <p>What the relay tolerates, so that a publisher's bug costs a retry and never a stalled relay (each case is a
 * test of {@code RelayContract}): a {@code publish} that throws, returns null, completes with null, or does not
 * complete within the relay's {@code publishTimeout} fails its whole batch, an attempt counted for each message; a
 * message without a result fails, an attempt counted; null results and results for messages not in the batch are
 * ignored, and contradicting results for one message fail it; all of these are logged once per batch.
 * {@code publish} is called on the relay's lane thread (no hand-off per batch): a call that has not returned after
 * {@code publishTimeout} gets its lane replaced by a new thread and its batch retried, so it costs that thread, not
 * the relay. Return at once anyway: a blocking call holds a lane and its claim until then.
 */
public interface MessagePublisher extends AutoCloseable {

    /** Publishes the batch asynchronously; the stage completes with a result per message. */
    CompletionStage<List<PublishResult>> publish(List<OutboundMessage> batch);

    /** Releases the broker client; the default does nothing. */
    @Override
    default void close() {
    }
}
