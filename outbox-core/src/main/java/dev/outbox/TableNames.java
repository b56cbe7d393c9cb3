package dev.outbox;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Names of the library's tables: a prefix (default {@code outbox_}) and an optional schema (a MySQL database).
 * Immutable; {@code withPrefix} and {@code inSchema} return copies.
 *
 * <p>The tables are {@code <prefix>message}, {@code <prefix>dead_letter}, {@code <prefix>inbox},
 * {@code <prefix>partition_lease} and {@code <prefix>relay_instance}.
 */
public final class TableNames {
    /** The prefix of the shipped SQL scripts. */
    public static final String DEFAULT_PREFIX = "outbox_";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
    private static final TableNames DEFAULTS = new TableNames(null, DEFAULT_PREFIX);

    private final @Nullable String schema;
    private final String prefix;

    private TableNames(@Nullable String schema, String prefix) {
        this.schema = schema;
        this.prefix = prefix;
    }

    /** {@code outbox_message}, … in the connection's current schema. */
    public static TableNames defaults() {
        return DEFAULTS;
    }

    /** The same tables with another prefix, e.g. {@code billing_outbox_}. Letters, digits and {@code _} only. */
    public TableNames withPrefix(String prefix) {
        return new TableNames(schema, checked("prefix", prefix));
    }

    /** The same tables in the given schema (on MySQL/MariaDB: database), which must already exist. */
    public TableNames inSchema(String schema) {
        return new TableNames(checked("schema", schema), prefix);
    }

    private static String checked(String field, String value) {
        Objects.requireNonNull(value, field);
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException("TableNames." + field + " '" + value
                    + "' is not a plain SQL identifier: use 1-41 letters, digits or '_', not starting with a digit");
        }
        return value;
    }

    /** The schema, or null for the connection's current one. */
    public @Nullable String schema() {
        return schema;
    }

    public String prefix() {
        return prefix;
    }

    /** The outbox table, qualified with the schema when one is set. */
    public String message() {
        return qualified("message");
    }

    public String deadLetter() {
        return qualified("dead_letter");
    }

    public String inbox() {
        return qualified("inbox");
    }

    public String partitionLease() {
        return qualified("partition_lease");
    }

    public String relayInstance() {
        return qualified("relay_instance");
    }

    /** {@code <schema>.<prefix><base>}, or {@code <prefix><base>} without a schema. */
    public String qualified(String base) {
        return schema == null ? prefix + base : schema + "." + prefix + base;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableNames other && Objects.equals(schema, other.schema) && prefix.equals(other.prefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema, prefix);
    }

    @Override
    public String toString() {
        return qualified("*");
    }
}
