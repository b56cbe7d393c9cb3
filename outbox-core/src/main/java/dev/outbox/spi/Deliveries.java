package dev.outbox.spi;


import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The decision every consumer binding makes for a delivery, in one place, so that no message can stop a binding:
 * decode it, hand it to the {@link MessageProcessor}, and say whether the broker may be acknowledged. A binding (the
 * shipped ones, or your own) creates one per binding and adds only what its broker does with the answer: ack, or
 * leave the message for redelivery, and how it sends a dead letter. Thread-safe.
 *
 * <ul>
 *   <li>A delivery that cannot be decoded (a malformed envelope) is poison: dead-lettered with the reason, raw.
 *   <li>Processed and duplicates: acknowledge.
 *   <li>Dead letters go to the broker's dead-letter destination through the binding's {@link DeadLetterSender}
 *       (which sends the message without its payload if the destination refuses it in full); if the destination
 *       still refuses it, the processor stores it ({@link MessageProcessor#storeDeadLetter}, the database
 *       dead-letter table); only if that fails too is it left for redelivery.
 *   <li>Not processed because of an outage: left for redelivery, for as long as the outage lasts.
 *   <li>Not processed for another reason, a processor that throws (anything, errors included) or returns null:
 *       left for redelivery, and dead-lettered once the same message has come back so
 *       {@link #DEFAULT_MAX_UNSETTLED} times, so that it cannot stall a queue, partition or key for ever.
 * </ul>
 */
public final class Deliveries {
    /** Deliveries of one message that end unsettled before it is dead-lettered: ample for a transient failure. */
    public static final int DEFAULT_MAX_UNSETTLED = 10;
    /** Messages whose unsettled deliveries are remembered; the oldest are forgotten first. */
    private static final int REMEMBERED = 10_000;
    private static final Logger log = LoggerFactory.getLogger(Deliveries.class);

    private final MessageProcessor processor;
    private final int maxUnsettled;
    private final Map<String, Integer> unsettled = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > REMEMBERED;
        }
    };

    private Deliveries(MessageProcessor processor, int maxUnsettled) {
        this.processor = Objects.requireNonNull(processor, "processor");
        if (maxUnsettled < 1) {
            throw new IllegalArgumentException("Deliveries: maxUnsettled(" + maxUnsettled + ") must be positive");
        }
        this.maxUnsettled = maxUnsettled;
    }

    /** The deliveries of one binding to {@code processor}. */
    public static Deliveries of(MessageProcessor processor) {
        return new Deliveries(processor, DEFAULT_MAX_UNSETTLED);
    }

    /** As {@link #of}, dead-lettering a message after {@code maxUnsettled} unsettled deliveries. */
    public static Deliveries of(MessageProcessor processor, int maxUnsettled) {
        return new Deliveries(processor, maxUnsettled);
    }

    /** Publishes a dead letter to the broker's dead-letter destination; true once the broker has it. */
    @FunctionalInterface
    public interface DeadLetterSender {
        /**
         * Sends {@code message} with {@link Envelope#deadLetterHeaders}; when the destination refuses it as too
         * large or invalid, sends it again without payload, with {@link Envelope#strippedDeadLetterHeaders}.
         * Returns false (never throws) when the broker has neither.
         */
        boolean send(InboundMessage message, ConsumeOutcome.DeadLettered outcome);
    }

    /** Turns a raw delivery into a message; may throw for a malformed one. */
    @FunctionalInterface
    public interface Decoder {
        InboundMessage decode() throws Exception;
    }

    /**
     * Settles one delivery.
     *
     * @param decoder reads the delivery; if it throws, the delivery is dead-lettered as malformed
     * @param destination where it was received from, for a malformed delivery's dead letter
     * @param raw the delivery's body as received, for a malformed delivery's dead letter
     * @param rawHeaders the delivery's headers as text, for a malformed delivery's dead letter
     * @param deadLetters sends this delivery's dead letter to the broker's dead-letter destination
     * @return true when the binding may acknowledge it; false when it must be left for redelivery
     */
    public boolean settle(Decoder decoder, String destination, byte[] raw, Map<String, String> rawHeaders,
                          DeadLetterSender deadLetters) {
        InboundMessage message;
        try {
            message = decoder.decode();
            Objects.requireNonNull(message, "the decoder returned null");
        } catch (Exception | StackOverflowError e) {
            InboundMessage shell = Envelope.inbound(destination, raw, rawHeaders, 1);
            log.warn("A delivery from {} has a malformed envelope and is dead-lettered as received: {}",
                    Reasons.forLog(destination), Reasons.of(e));
            return deadLetter(shell, new ConsumeOutcome.DeadLettered(Reasons.of("malformed envelope", e), e, 1,
                    false), deadLetters);
        }
        return settle(message, deadLetters);
    }

    /**
     * Settles one decoded delivery.
     *
     * @param deadLetters sends this delivery's dead letter to the broker's dead-letter destination
     * @return true when the binding may acknowledge it; false when it must be left for redelivery
     */
    public boolean settle(InboundMessage message, DeadLetterSender deadLetters) {
        ConsumeOutcome outcome;
        try {
            outcome = processor.process(message);
        } catch (RuntimeException | Error e) {
            return unsettled(message, Reasons.of("the processor threw", e), e, deadLetters);
        }
        if (outcome == null) {
            return unsettled(message, "the processor returned no outcome", null, deadLetters);
        }
        if (outcome instanceof ConsumeOutcome.NotProcessed notProcessed) {
            if (notProcessed.outage()) {
                log.warn("Message {} from {} was not processed; it will be delivered again: {}",
                        Reasons.forLog(message.id()), Reasons.forLog(message.destination()), notProcessed.reason());
                return false;
            }
            return unsettled(message, notProcessed.reason(), notProcessed.cause(), deadLetters);
        }
        if (outcome instanceof ConsumeOutcome.DeadLettered dead && !dead.stored()) {
            return deadLetter(message, dead, deadLetters);
        }
        forget(message);
        return true;
    }

    private boolean unsettled(InboundMessage message, String reason, @Nullable Throwable cause,
                              DeadLetterSender deadLetters) {
        int times = strike(message);
        if (times >= maxUnsettled) {
            return deadLetter(message, new ConsumeOutcome.DeadLettered(Reasons.text("not processed after " + times
                    + " deliveries: " + reason, Reasons.MAX_REASON), cause, Math.max(times,
                    message.deliveryAttempt()), false), deadLetters);
        }
        log.warn("Message {} from {} was not processed ({} of {} deliveries before it is dead-lettered); it will be "
                + "delivered again: {}", Reasons.forLog(message.id()), Reasons.forLog(message.destination()), times,
                maxUnsettled, reason);
        return false;
    }

    private boolean deadLetter(InboundMessage message, ConsumeOutcome.DeadLettered dead,
                               DeadLetterSender deadLetters) {
        boolean sent;
        try {
            sent = deadLetters.send(message, dead);
        } catch (RuntimeException | Error e) {
            log.warn("Sending dead letter {} failed: {}", Reasons.forLog(message.id()), Reasons.of(e));
            sent = false;
        }
        if (sent) {
            forget(message);
            return true;
        }
        boolean stored;
        try {
            stored = processor.storeDeadLetter(message, dead);
        } catch (RuntimeException | Error e) {
            log.warn("Storing dead letter {} failed: {}", Reasons.forLog(message.id()), Reasons.of(e));
            stored = false;
        }
        if (stored) {
            log.warn("Dead letter {} from {} was refused by the dead-letter destination and stored in the database "
                    + "dead-letter table instead", Reasons.forLog(message.id()), Reasons.forLog(message.destination()));
            forget(message);
            return true;
        }
        log.warn("Dead letter {} from {} could be neither sent nor stored; it will be delivered again",
                Reasons.forLog(message.id()), Reasons.forLog(message.destination()));
        return false;
    }

    private int strike(InboundMessage message) {
        String key = key(message);
        synchronized (unsettled) {
            return unsettled.merge(key, 1, Integer::sum);
        }
    }

    private void forget(InboundMessage message) {
        if (!unsettled.isEmpty()) {
            String key = key(message);
            synchronized (unsettled) {
                unsettled.remove(key);
            }
        }
    }

    /** One message's identity across redeliveries: its id, or a digest of its content when it has none. */
    private static String key(InboundMessage m) {
        if (m.id() != null && m.id().length() <= 1024) {
            return m.destination() + '\u0000' + m.id();
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(m.destination().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            if (m.id() != null) {
                digest.update(m.id().getBytes(StandardCharsets.UTF_8));
            }
            digest.update((byte) 0);
            return HexFormat.of().formatHex(digest.digest(m.payload()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
