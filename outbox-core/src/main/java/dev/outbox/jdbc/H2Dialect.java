package dev.outbox.jdbc;

import java.util.List;

/**
 * H2 2.x, for tests and the quick start: {@code UUID} ids and {@code TIMESTAMP WITH TIME ZONE} times.
 *
 * <p>Stateless and thread-safe: one instance serves every connection.
 */
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

    @Override
    public List<String> schemaResources() {
        return Dialects.scripts("h2", 2);
    }

    @Override
    public String epochMicros(String column) {
        return "DATEDIFF(MICROSECOND, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00', " + column + ")";
    }

    /** H2 measures {@code VARCHAR} lengths in UTF-16 units: a character outside the BMP counts twice. */
    @Override
    public int textLength(String value) {
        return value.length();
    }
}
