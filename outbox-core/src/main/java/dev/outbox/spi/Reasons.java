package dev.outbox.spi;

import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Text about failures and foreign ids, made safe to store, send and log. A reason (relay {@code last_error}, a dead
 * letter's reason, an {@code outbox-dead-letter-reason} header) carries the exception class and a short message,
 * never the values a driver or parser quotes back: no SQL {@code Detail:} lines, no Jdbi statement arguments, no
 * payload excerpts. Ids and names that came from a broker are escaped and shortened before they reach a log line,
 * so a CR/LF in an id cannot forge one. The shipped bindings use it; a custom binding or publisher should too.
 *
 * <p>Stateless and thread-safe.
 */
public final class Reasons {
    /** Longest reason kept: a message and the top of a cause chain, small enough for any broker header. */
    public static final int MAX_REASON = 1000;
    /** Longest foreign id or name printed in a log line. */
    public static final int MAX_LOGGED = 80;

    /** Jdbi appends the statement and its arguments; drivers and parsers quote values in these forms. */
    private static final Pattern JDBI_CONTEXT = Pattern.compile("\\s*\\[statement:.*$", Pattern.DOTALL);
    private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"[^\"]*\"|\\([^()]*=[^()]*\\)=\\([^()]*\\)");

    private Reasons() {
    }

    /**
     * The exception class and first line of the message of {@code error}'s meaningful cause (completion and
     * execution wrappers are looked through), without quoted values for database errors.
     */
    public static String of(Throwable error) {
        Throwable t = unwrap(error);
        String message = t.getMessage();
        StringBuilder reason = new StringBuilder(t.getClass().getName());
        if (t instanceof SQLException sql && sql.getSQLState() != null) {
            reason.append(" [SQLState ").append(sql.getSQLState()).append(']');
        }
        if (message != null && !message.isBlank()) {
            String first = firstLine(JDBI_CONTEXT.matcher(message).replaceFirst(""));
            if (quotesValues(t)) {
                first = QUOTED.matcher(first).replaceAll("…");
            }
            reason.append(": ").append(first);
        }
        return text(reason.toString(), MAX_REASON);
    }

    /** {@code prefix: of(error)}. */
    public static String of(String prefix, Throwable error) {
        return text(prefix + ": " + of(error), MAX_REASON);
    }

    /** The cause worth naming: completion and execution wrappers looked through. */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t && (t instanceof CompletionException
                || t instanceof ExecutionException
                || (t.getClass().getName().startsWith("org.jdbi.") && t.getCause() instanceof SQLException))) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * {@code value} with every control character replaced by a space and cut to {@code max} characters (with an
     * ellipsis), so that it is valid in a text column, a broker header and an XML attribute.
     */
    public static String text(String value, int max) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && out.length() < max; ) {
            int c = value.codePointAt(i);
            i += Character.charCount(c);
            out.appendCodePoint(Character.isISOControl(c) || c == 0xFFFE || c == 0xFFFF
                    || (Character.getType(c) == Character.SURROGATE) ? ' ' : c);
        }
        if (out.length() < value.length() && out.length() >= max) {
            out.setLength(Math.max(0, max - 1));
            out.append('…');
        }
        return out.toString();
    }

    /** {@link #text} of {@code value}, or null when it is null. */
    public static @Nullable String textOrNull(@Nullable String value, int max) {
        return value == null ? null : text(value, max);
    }

    /**
     * A foreign id, name or destination for a log line: control characters escaped ({@code \n}, {@code \u0000}),
     * cut to {@value #MAX_LOGGED} characters. Null prints as {@code null}.
     */
    public static String forLog(@Nullable String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_LOGGED) + 8);
        for (int i = 0; i < value.length(); i++) {
            if (out.length() >= MAX_LOGGED) {
                out.append('…');
                break;
            }
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private static String firstLine(String message) {
        int end = message.indexOf('\n');
        int cr = message.indexOf('\r');
        if (cr >= 0 && (end < 0 || cr < end)) {
            end = cr;
        }
        return (end < 0 ? message : message.substring(0, end)).strip();
    }

    /** Drivers, Jdbi and JSON parsers put the values they choked on into their messages. */
    private static boolean quotesValues(Throwable t) {
        String name = t.getClass().getName();
        return t instanceof SQLException || name.startsWith("org.jdbi.") || name.startsWith("com.fasterxml.jackson.")
                || name.startsWith("tools.jackson.");
    }
}
