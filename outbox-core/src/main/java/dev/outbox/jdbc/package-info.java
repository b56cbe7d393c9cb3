/**
 * The shipped SQL dialects (PostgreSQL, MySQL/MariaDB, H2), their detection, and the JDBC deduplication store.
 * API.
 *
 * <p>Nothing is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.outbox.jdbc;

import org.jspecify.annotations.NullMarked;
