package dev.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Whether an exchange exists, asked once (a passive declare on a throwaway channel) and remembered: a publish to a
 * missing exchange would close the publishing channel, failing every other message in flight on it. An exchange
 * found missing is asked about again after {@link #RECHECK_MISSING}, as it may be created meanwhile.
 */
final class ExchangeCheck {
    /** How long a missing exchange is taken as missing before it is asked about again. */
    static final Duration RECHECK_MISSING = Duration.ofSeconds(5);

    private final Connection connection;
    /** Exchange name to the time (nanos) until which it counts as missing, or {@code Long.MAX_VALUE} present. */
    private final Map<String, Long> known = new ConcurrentHashMap<>();

    ExchangeCheck(Connection connection) {
        this.connection = connection;
    }

    /** False only when the broker said the exchange does not exist; true when it exists or cannot be asked. */
    boolean exists(String exchange) {
        if (exchange.isEmpty()) {
            return true;
        }
        Long until = known.get(exchange);
        long now = System.nanoTime();
        if (until != null && (until == Long.MAX_VALUE || now - until < 0)) {
            return until == Long.MAX_VALUE;
        }
        Boolean exists = ask(exchange);
        if (exists == null) {
            return true;
        }
        known.put(exchange, exists ? Long.MAX_VALUE : now + RECHECK_MISSING.toNanos());
        return exists;
    }

    /** The broker reported the exchange missing while publishing: ask again next time. */
    void forget(String exchange) {
        known.remove(exchange);
    }

    private @Nullable Boolean ask(String exchange) {
        Channel channel = null;
        try {
            channel = connection.createChannel();
            channel.exchangeDeclarePassive(exchange);
            return true;
        } catch (IOException e) {
            return notFound(e) ? false : null;
        } catch (RuntimeException e) {
            return null;
        } finally {
            if (channel != null && channel.isOpen()) {
                try {
                    channel.close();
                } catch (IOException | TimeoutException | RuntimeException ignored) {
                    // a throwaway channel
                }
            }
        }
    }

    /** A channel closed with 404 NOT_FOUND. */
    static boolean notFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ShutdownSignalException s && !s.isHardError()
                    && s.getReason() instanceof AMQP.Channel.Close close && close.getReplyCode() == AMQP.NOT_FOUND) {
                return true;
            }
        }
        return false;
    }
}
