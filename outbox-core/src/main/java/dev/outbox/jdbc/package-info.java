/**
 * The shipped SQL dialects (PostgreSQL, MySQL/MariaDB, H2), their detection, and the JDBC deduplication store.
 * API.
 */
package dev.outbox.jdbc;
