package dev.outbox.spring;

import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.Outbox;
import dev.outbox.OutboxAdmin;
import dev.outbox.OutboxStats;
import dev.outbox.ReplayReport;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code outbox} actuator endpoint. {@code GET /actuator/outbox}: statistics and a page of dead letters
 * (filters {@code origin}, {@code destination}, {@code type}, {@code key}, {@code errorClass}, {@code failedAfter},
 * {@code failedBefore}; paging with {@code after}, the last {@code deadLetterId} seen, and {@code limit}).
 * {@code POST}: replays the dead letters the same filters select (all of them when none is given is refused: pass
 * {@code all=true}). {@code DELETE}: purges them, with the same rule. Expose it with
 * {@code management.endpoints.web.exposure.include=outbox}, and secure it: replay and purge change data.
 *
 * <p>Thread-safe: requests may arrive at once; replays and purges work in bounded transactions of their own.
 */
@Endpoint(id = "outbox")
public class OutboxEndpoint {
    /** Largest page of dead letters. */
    public static final int MAX_PAGE = 500;

    private final Outbox outbox;

    OutboxEndpoint(Outbox outbox) {
        this.outbox = outbox;
    }

    @ReadOperation
    public Map<String, Object> read(@Nullable String origin, @Nullable String destination, @Nullable String type,
                                    @Nullable String key, @Nullable String errorClass, @Nullable Instant failedAfter,
                                    @Nullable Instant failedBefore, @Nullable UUID messageId, @Nullable Long after,
                                    @Nullable Integer limit) {
        DeadLetterFilter filter = filter(origin, destination, type, key, errorClass, failedAfter, failedBefore,
                messageId);
        int page = limit == null ? 50 : Math.max(1, Math.min(MAX_PAGE, limit));
        List<DeadLetter> deadLetters = outbox.admin().deadLetters(filter, after == null ? 0 : after, page);
        OutboxStats stats = outbox.admin().stats();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pending", stats.pending());
        body.put("oldestPendingAge", stats.oldestPendingAge().toString());
        body.put("inFlight", stats.inFlight());
        body.put("deadLetters", stats.deadLetters());
        body.put("deadLettersMatching", outbox.admin().countDeadLetters(filter));
        body.put("page", deadLetters.stream().map(d -> {
            Map<String, @Nullable Object> m = d.summary();
            m.put("payloadBytes", d.message().payload().length);
            return m;
        }).toList());
        if (deadLetters.size() == page) {
            body.put("next", deadLetters.get(deadLetters.size() - 1).deadLetterId());
        }
        return body;
    }

    @WriteOperation
    public Map<String, Object> replay(@Nullable String origin, @Nullable String destination, @Nullable String type,
                                      @Nullable String key, @Nullable String errorClass, @Nullable Instant failedAfter,
                                      @Nullable Instant failedBefore, @Nullable UUID messageId,
                                      @Nullable Boolean all) {
        DeadLetterFilter filter = selection(origin, destination, type, key, errorClass, failedAfter, failedBefore,
                messageId, all);
        ReplayReport report = outbox.admin().replay(filter);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("replayed", report.replayed());
        body.put("skipped", report.skipped().stream().map(s -> Map.of("deadLetterId", s.deadLetterId(),
                "messageId", String.valueOf(s.messageId()), "reason", s.reason())).toList());
        return body;
    }

    @DeleteOperation
    public Map<String, Object> purge(@Nullable String origin, @Nullable String destination, @Nullable String type,
                                     @Nullable String key, @Nullable String errorClass, @Nullable Instant failedAfter,
                                     @Nullable Instant failedBefore, @Nullable UUID messageId,
                                     @Nullable Boolean all) {
        DeadLetterFilter filter = selection(origin, destination, type, key, errorClass, failedAfter, failedBefore,
                messageId, all);
        return Map.of("purged", outbox.admin().purge(filter, OutboxAdmin.Progress.none()));
    }

    private static DeadLetterFilter selection(@Nullable String origin, @Nullable String destination,
                                              @Nullable String type, @Nullable String key, @Nullable String errorClass,
                                              @Nullable Instant failedAfter, @Nullable Instant failedBefore,
                                              @Nullable UUID messageId, @Nullable Boolean all) {
        DeadLetterFilter filter = filter(origin, destination, type, key, errorClass, failedAfter, failedBefore,
                messageId);
        if (filter.equals(DeadLetterFilter.all()) && !Boolean.TRUE.equals(all)) {
            throw new IllegalArgumentException("no filter given: pass origin, destination, type, key, errorClass, "
                    + "failedAfter, failedBefore or messageId, or all=true to act on every dead letter");
        }
        return filter;
    }

    private static DeadLetterFilter filter(@Nullable String origin, @Nullable String destination,
                                           @Nullable String type, @Nullable String key, @Nullable String errorClass,
                                           @Nullable Instant failedAfter, @Nullable Instant failedBefore,
                                           @Nullable UUID messageId) {
        return new DeadLetterFilter(messageId, origin, destination, type, key, errorClass, failedAfter, failedBefore);
    }
}
