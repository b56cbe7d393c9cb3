package dev.outbox.internal.relay;

import dev.outbox.spi.Reasons;
import dev.outbox.spi.DeadLetterPolicy;
import dev.outbox.spi.Envelope;
import dev.outbox.spi.OutboundMessage;
import dev.outbox.spi.PublishResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a copy of each dead letter to the policy's broker destination, when it names one. Best effort: the
 * database dead letter is the record; a copy that cannot be sent (or a destination function that throws) is only
 * logged, once per message, and never holds up the batch beyond the publish timeout.
 */
public final class DeadLetterCopies {
    private static final Logger log = LoggerFactory.getLogger("dev.outbox.OutboxRelay");

    private final DeadLetterPolicy policy;
    private final GuardedPublisher publisher;
    private final String deadLetterTable;

    public DeadLetterCopies(DeadLetterPolicy policy, GuardedPublisher publisher, String deadLetterTable) {
        this.policy = policy;
        this.publisher = publisher;
        this.deadLetterTable = deadLetterTable;
    }

    /** Publishes the copies of a batch's dead letters in one publish, waiting at most the publish timeout. */
    public void publish(List<BatchOutcome.Retry> dead, GuardedPublisher.Watch watch) throws InterruptedException {
        List<OutboundMessage> copies = new ArrayList<>();
        for (BatchOutcome.Retry d : dead) {
            OutboundMessage m = d.claim().message();
            try {
                String destination = policy.brokerDestination(m.destination());
                if (destination != null) {
                    copies.add(copy(m, destination, d));
                }
            } catch (RuntimeException | StackOverflowError e) {
                log.warn("Outbox message {}: the dead-letter policy's destination function threw {}; no broker copy "
                        + "was published, the dead letter stays in {}", m.id(), Reasons.of(e), deadLetterTable);
            }
        }
        if (copies.isEmpty()) {
            return;
        }
        GuardedPublisher.Published published = publisher.publish(copies, watch);
        Set<UUID> acked = new HashSet<>();
        if (published.results() != null) {
            for (PublishResult r : published.results()) {
                if (r instanceof PublishResult.Acked a) {
                    acked.add(a.messageId());
                }
            }
        }
        for (OutboundMessage copy : copies) {
            if (!acked.contains(copy.id())) {
                log.warn("Outbox message {} was not accepted by dead-letter destination {}; it stays in {}{}",
                        copy.id(), Reasons.forLog(copy.destination()), deadLetterTable, published.error() == null ? ""
                                : ": " + OutcomeClassifier.describe(published.error()));
            }
        }
    }

    private static OutboundMessage copy(OutboundMessage m, String destination, BatchOutcome.Retry dead) {
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
        headers.put(Envelope.DEAD_LETTER_REASON, dead.error());
        headers.put(Envelope.ORIGINAL_DESTINATION, m.destination());
        headers.put(Envelope.ATTEMPTS, Integer.toString(dead.attempts()));
        if (dead.errorClass() != null) {
            headers.put(Envelope.ERROR_CLASS, dead.errorClass());
        }
        return m.withDestination(destination, headers, dead.attempts());
    }
}
