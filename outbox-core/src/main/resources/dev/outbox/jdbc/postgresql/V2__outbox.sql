-- Outbox schema, version 2, for PostgreSQL 12+. Apply after V1: with Flyway/Liquibase as it is, or through
-- outbox.schema().create(), which runs every version not yet applied. Every statement is idempotent.

-- Dead letters keep the class of their last error apart from its text, to count and select them by it.
ALTER TABLE outbox_dead_letter ADD COLUMN IF NOT EXISTS error_class VARCHAR(255);
-- Retention removes dead letters by age.
CREATE INDEX IF NOT EXISTS outbox_dead_letter_failed_idx ON outbox_dead_letter (failed_at);
