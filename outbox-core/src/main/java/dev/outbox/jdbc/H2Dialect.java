package dev.outbox.jdbc;

/** H2 2.x, for tests and the quick start: {@code UUID} ids and {@code TIMESTAMP WITH TIME ZONE} times. */
public final class H2Dialect extends ObjectTypesDialect {
    /** Oldest supported major version. */
    public static final int MIN_MAJOR_VERSION = 2;

    @Override
    public String name() {
        return "h2";
    }

    @Override
    public String schemaResource() {
        return "dev/outbox/jdbc/h2/V1__outbox.sql";
    }
}
