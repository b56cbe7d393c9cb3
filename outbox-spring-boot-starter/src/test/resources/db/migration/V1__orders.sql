-- The test application's own first migration: version 1, like the outbox's, in the application's history table.
CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, total INT NOT NULL);
CREATE TABLE invoices (message_id VARCHAR(255) PRIMARY KEY, order_id VARCHAR(64) NOT NULL);
