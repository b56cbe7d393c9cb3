-- Outbox schema, version 1, for MySQL 8.0+ and MariaDB 10.6+ (InnoDB, utf8mb4).
-- Apply with Flyway/Liquibase as it is, or call outbox.schema().create(), which runs this same script with the
-- configured table prefix and schema (database). Every statement is idempotent.
-- Ids are BINARY(16), big-endian; times are DATETIME(6) holding UTC.

-- Messages waiting to be published. seq is the write order (per-key ordering, FIFO); id is the message id.
-- available_at is the earliest publish time (delayed delivery, retry backoff). A relay claims rows by locking them
-- (SELECT ... FOR UPDATE SKIP LOCKED) for as long as it publishes them. published_at is set only when the relay
-- keeps published rows for a retention window instead of deleting them.
CREATE TABLE IF NOT EXISTS outbox_message (
    seq            BIGINT       NOT NULL AUTO_INCREMENT,
    id             BINARY(16)   NOT NULL,
    destination    VARCHAR(255) NOT NULL,
    routing_key    VARCHAR(255),
    message_key    VARCHAR(255),
    partition_no   INT          NOT NULL,
    message_type   VARCHAR(255),
    content_type   VARCHAR(255),
    payload        LONGBLOB     NOT NULL,
    headers        MEDIUMTEXT,
    correlation_id VARCHAR(255),
    causation_id   VARCHAR(255),
    traceparent    VARCHAR(55),
    tracestate     VARCHAR(512),
    created_at     DATETIME(6)  NOT NULL,
    available_at   DATETIME(6)  NOT NULL,
    attempts       INT          NOT NULL DEFAULT 0,
    last_error     MEDIUMTEXT,
    published_at   DATETIME(6),
    PRIMARY KEY (seq),
    UNIQUE KEY outbox_message_id_key (id),
    KEY outbox_message_available_idx (available_at),
    KEY outbox_message_partition_idx (partition_no, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Messages the relay or a consumer gave up on, with the last error; replay moves them back with their id and
-- write position (seq). blocks_key: the dead-letter policy was BLOCK, so later messages of the key wait for replay.
CREATE TABLE IF NOT EXISTS outbox_dead_letter (
    dead_letter_id BIGINT       NOT NULL AUTO_INCREMENT,
    seq            BIGINT,
    id             BINARY(16)   NOT NULL,
    origin         VARCHAR(255) NOT NULL,
    destination    VARCHAR(255) NOT NULL,
    routing_key    VARCHAR(255),
    message_key    VARCHAR(255),
    partition_no   INT          NOT NULL,
    message_type   VARCHAR(255),
    content_type   VARCHAR(255),
    payload        LONGBLOB     NOT NULL,
    headers        MEDIUMTEXT,
    correlation_id VARCHAR(255),
    causation_id   VARCHAR(255),
    traceparent    VARCHAR(55),
    tracestate     VARCHAR(512),
    created_at     DATETIME(6)  NOT NULL,
    attempts       INT          NOT NULL,
    last_error     MEDIUMTEXT   NOT NULL,
    failed_at      DATETIME(6)  NOT NULL,
    blocks_key     BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (dead_letter_id),
    KEY outbox_dead_letter_id_idx (id),
    KEY outbox_dead_letter_key_idx (message_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Deduplication store of idempotent consumers: one row per (consumer, message) processed.
CREATE TABLE IF NOT EXISTS outbox_inbox (
    consumer_name  VARCHAR(255) NOT NULL,
    message_id     VARCHAR(255) NOT NULL,
    processed_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (consumer_name, message_id),
    KEY outbox_inbox_processed_idx (processed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Ordered relays lease partitions (key hash mod partition count) so that one relay at a time publishes a key.
CREATE TABLE IF NOT EXISTS outbox_partition_lease (
    partition_no   INT          NOT NULL,
    lease_owner    VARCHAR(64),
    lease_until    DATETIME(6),
    PRIMARY KEY (partition_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Live relay instances of the ordered mode, so that partitions are shared fairly among them.
CREATE TABLE IF NOT EXISTS outbox_relay_instance (
    relay_id        VARCHAR(64) NOT NULL,
    heartbeat_until DATETIME(6) NOT NULL,
    PRIMARY KEY (relay_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
