package dev.outbox.internal;

/**
 * The one rule for text the library stores, sends or logs as a name or an id: valid Unicode, and no control
 * characters (which forge log lines, and which databases and brokers refuse: PostgreSQL rejects NUL in text, SQS
 * attributes must be XML characters).
 */
public final class Texts {
    private Texts() {
    }

    /**
     * What is wrong with {@code value}, e.g. {@code "a NUL character (\u0000) at index 3"}, or null when nothing.
     *
     * @param lineBreaks whether tab, line feed and carriage return are allowed (header values)
     */
    public static String problem(String value, boolean lineBreaks) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean bad;
            if (Character.isHighSurrogate(c)) {
                bad = i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1));
                if (!bad) {
                    i++;
                    continue;
                }
            } else {
                bad = Character.isLowSurrogate(c) || c == 0xFFFE || c == 0xFFFF
                        || (Character.isISOControl(c) && !(lineBreaks && (c == '\t' || c == '\n' || c == '\r')));
            }
            if (bad) {
                return describe(c) + " at index " + i;
            }
        }
        return null;
    }

    /** Why {@code id} cannot be an id or a name, or null: blank, longer than {@code max}, or not printable. */
    public static String invalidId(String id, int max) {
        if (id.isBlank()) {
            return "it is blank";
        }
        if (id.length() > max) {
            return "it is " + id.length() + " characters; the limit is " + max;
        }
        String problem = problem(id, false);
        return problem == null ? null : "it contains " + problem;
    }

    private static String describe(char c) {
        if (c == 0) {
            return "a NUL character (\\u0000)";
        }
        if (Character.isSurrogate(c)) {
            return String.format("an unpaired surrogate (\\u%04x)", (int) c);
        }
        return String.format("the control character \\u%04x", (int) c);
    }
}
