/**
 * Transactional outbox and idempotent consumers for Java.
 *
 * <p>The API, in the exported packages: {@code dev.outbox} (what applications use: the writer, relay, consumer,
 * admin, retention), {@code dev.outbox.spi} (what adapter and dialect authors implement and use),
 * {@code dev.outbox.jdbc} (the shipped dialects and deduplication store), {@code dev.outbox.micrometer} (metrics,
 * when Micrometer is present), {@code dev.outbox.opentelemetry} (tracing with a given SDK) and
 * {@code dev.outbox.inmemory} (doubles for tests). {@code dev.outbox.internal} and
 * its sub-packages are not exported: they may change in any release.
 */
module dev.outbox.core {
    requires transitive java.sql;
    requires transitive org.jdbi.v3.core;
    requires transitive com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires static transitive org.jspecify;
    requires static tools.jackson.databind;
    requires static micrometer.core;
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    requires static org.postgresql.jdbc;

    exports dev.outbox;
    exports dev.outbox.spi;
    exports dev.outbox.jdbc;
    exports dev.outbox.micrometer;
    exports dev.outbox.inmemory;
    exports dev.outbox.opentelemetry;
}
