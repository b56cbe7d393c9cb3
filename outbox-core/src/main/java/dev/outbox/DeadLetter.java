package dev.outbox;

import dev.outbox.spi.OutboundMessage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A message given up on, as {@link OutboxAdmin} lists it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param deadLetterId the dead letter's own id: increasing, the order of listing and the cursor of paging
 * @param message the message as it was stored, with its original id ({@code availableAt} is the failure time)
 * @param origin {@value #RELAY_ORIGIN}, or the name of the consumer that dead-lettered it
 * @param attempts attempts made
 * @param lastError the last error: the exception class and a short message, without values
 * @param errorClass the class of the last error, or null when the broker or handler gave only a reason
 * @param failedAt when it was given up on
 * @param blocksKey whether later messages of its key wait for its replay (policy BLOCK)
 */
public record DeadLetter(long deadLetterId, OutboundMessage message, String origin, int attempts, String lastError,
                         @Nullable String errorClass, Instant failedAt, boolean blocksKey) {
    /** The origin of dead letters written by relays. */
    public static final String RELAY_ORIGIN = "relay";

    /**
     * What an operator sees first, as an ordered map of texts, numbers and booleans (nulls kept): ids, destination,
     * key, type, origin, attempts, error class, failure time, whether it blocks its key, the last error. For JSON
     * and tables in operator tools (the CLI, the actuator endpoint).
     */
    public Map<String, @Nullable Object> summary() {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("deadLetterId", deadLetterId);
        m.put("messageId", message.id().toString());
        m.put("destination", message.destination());
        m.put("key", message.key());
        m.put("type", message.type());
        m.put("origin", origin);
        m.put("attempts", attempts);
        m.put("errorClass", errorClass);
        m.put("failedAt", String.valueOf(failedAt));
        m.put("blocksKey", blocksKey);
        m.put("lastError", lastError);
        return m;
    }
}
