package dev.outbox.internal.consumer;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells from an exception whose fault a failure was: the message's (the database refused its data) or a
 * dependency's (the database could not be reached). Everything else is neither for sure.
 */
public final class Failures {
    private Failures() {
    }

    /** The data exception (SQLState class 22) in {@code error}'s chain, or null: the message's data was refused. */
    public static SQLException dataError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                return sql;
            }
        }
        return null;
    }

    /**
     * True when the database could not be reached: a connection exception (SQLState class 08), a pool that gave no
     * connection in time, or a socket error.
     */
    public static boolean outage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof IOException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return true;
            }
            if (t.getClass().getName().equals("org.jdbi.v3.core.ConnectionException")) {
                return true;
            }
        }
        return false;
    }
}
