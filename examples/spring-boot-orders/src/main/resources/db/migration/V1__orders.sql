-- The application's own schema, version 1. The outbox's tables are created by the starter's own Flyway, with its
-- own history table, so this V1 and the outbox's never clash.
CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, customer VARCHAR(255) NOT NULL, total INT NOT NULL);
CREATE TABLE invoices (order_id VARCHAR(64) PRIMARY KEY, customer VARCHAR(255) NOT NULL, amount INT NOT NULL);
