package dev.outbox;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Dead letters of one origin and error class: how many, and when the first and the last of them failed. What an
 * operator looks at first: which consumer or relay gives up on what, since when.
 *
 * <p>Immutable and thread-safe.
 *
 * @param origin {@link DeadLetter#RELAY_ORIGIN} or the consumer's name
 * @param errorClass the class of the last error, or null when none was recorded
 */
public record DeadLetterGroup(String origin, @Nullable String errorClass, long count, Instant firstFailedAt,
                              Instant lastFailedAt) {
}
