package dev.outbox.internal;

import dev.outbox.TableNames;
import dev.outbox.internal.relay.RelayStore;
import dev.outbox.spi.Dialect;

/**
 * The SQL of every outbox table for one dialect and one set of table names, built once when the dialect is known.
 *
 * @param dialect the database's dialect
 * @param messages the message table as the writer and admin use it
 * @param deadLetters the dead-letter table
 * @param relay the message table as relays claim and complete it
 */
public record Stores(Dialect dialect, MessageStore messages, DeadLetterStore deadLetters, RelayStore relay) {

    public static Stores of(Dialect dialect, TableNames tables) {
        MessageStore messages = new MessageStore(dialect, tables);
        return new Stores(dialect, messages, new DeadLetterStore(messages, tables), new RelayStore(messages, tables));
    }
}
