-- Outbox schema, version 1, for PostgreSQL 12+.
-- Apply with Flyway/Liquibase as it is, or call outbox.schema().create(), which runs this same script with the
-- configured table prefix and schema. Every statement is idempotent.

-- Messages waiting to be published. seq is the write order (per-key ordering, FIFO); id is the message id.
-- available_at is both the delayed-delivery time and the relay's claim: a relay that takes a row moves it into
-- the future by its lease timeout, so a row whose relay died becomes available again.
CREATE TABLE IF NOT EXISTS outbox_message (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             UUID         NOT NULL,
    destination    VARCHAR(255) NOT NULL,
    routing_key    VARCHAR(255),
    message_key    VARCHAR(255),
    partition_no   INTEGER      NOT NULL,
    message_type   VARCHAR(255),
    content_type   VARCHAR(255),
    payload        BYTEA        NOT NULL,
    headers        TEXT,
    correlation_id VARCHAR(255),
    causation_id   VARCHAR(255),
    traceparent    VARCHAR(55),
    tracestate     VARCHAR(512),
    created_at     TIMESTAMPTZ  NOT NULL,
    available_at   TIMESTAMPTZ  NOT NULL,
    attempts       INTEGER      NOT NULL DEFAULT 0,
    last_error     TEXT,
    lease_owner    VARCHAR(64),
    CONSTRAINT outbox_message_id_key UNIQUE (id)
);
CREATE INDEX IF NOT EXISTS outbox_message_available_idx ON outbox_message (available_at);
CREATE INDEX IF NOT EXISTS outbox_message_partition_idx ON outbox_message (partition_no, seq);

-- Messages the relay or a consumer gave up on, with the last error; replay moves them back with their id.
CREATE TABLE IF NOT EXISTS outbox_dead_letter (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             UUID         NOT NULL,
    origin         VARCHAR(255) NOT NULL,
    destination    VARCHAR(255) NOT NULL,
    routing_key    VARCHAR(255),
    message_key    VARCHAR(255),
    partition_no   INTEGER      NOT NULL,
    message_type   VARCHAR(255),
    content_type   VARCHAR(255),
    payload        BYTEA        NOT NULL,
    headers        TEXT,
    correlation_id VARCHAR(255),
    causation_id   VARCHAR(255),
    traceparent    VARCHAR(55),
    tracestate     VARCHAR(512),
    created_at     TIMESTAMPTZ  NOT NULL,
    attempts       INTEGER      NOT NULL,
    last_error     TEXT         NOT NULL,
    failed_at      TIMESTAMPTZ  NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_dead_letter_id_idx ON outbox_dead_letter (id);
CREATE INDEX IF NOT EXISTS outbox_dead_letter_key_idx ON outbox_dead_letter (destination, message_key);

-- Deduplication store of idempotent consumers: one row per (consumer, message) processed.
CREATE TABLE IF NOT EXISTS outbox_inbox (
    consumer_name  VARCHAR(255) NOT NULL,
    message_id     VARCHAR(255) NOT NULL,
    processed_at   TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (consumer_name, message_id)
);
CREATE INDEX IF NOT EXISTS outbox_inbox_processed_idx ON outbox_inbox (processed_at);

-- Ordered relays lease partitions (key hash mod partition count) so that one relay at a time publishes a key.
CREATE TABLE IF NOT EXISTS outbox_partition_lease (
    partition_no   INTEGER      PRIMARY KEY,
    lease_owner    VARCHAR(64),
    lease_until    TIMESTAMPTZ
);
