-- Outbox schema, version 2, for MySQL 8.0+ and MariaDB 10.6+. Apply after V1: with Flyway/Liquibase as it is, or
-- through outbox.schema().create(), which runs it once (it is applied when outbox_dead_letter.error_class exists).

-- Message ids, keys and consumer names compare byte for byte. With V1's text collation two different ids that
-- differ only in case, accents or trailing spaces were taken for the same: a message could be skipped as a
-- duplicate, or a key blocked by another's dead letter. VARBINARY(1020) holds 255 characters of UTF-8.
ALTER TABLE outbox_inbox MODIFY consumer_name VARBINARY(1020) NOT NULL, MODIFY message_id VARBINARY(1020) NOT NULL;
ALTER TABLE outbox_message MODIFY message_key VARBINARY(1020);
-- Dead letters keep the class of their last error apart from its text, to count and select them by it; retention
-- removes them by age. Last, so that a failure above leaves the script to be run again.
ALTER TABLE outbox_dead_letter MODIFY message_key VARBINARY(1020), MODIFY origin VARBINARY(1020) NOT NULL,
    ADD COLUMN error_class VARCHAR(255), ADD KEY outbox_dead_letter_failed_idx (failed_at);
