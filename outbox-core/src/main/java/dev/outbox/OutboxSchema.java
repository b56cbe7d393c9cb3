package dev.outbox;

import dev.outbox.internal.SchemaScript;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The outbox tables: create them for a quick start, check them before work starts, or print the script for your
 * migration tool.
 *
 * <p>The same versioned scripts ship as plain SQL resources for Flyway or Liquibase:
 * {@code dev/outbox/jdbc/<dialect>/V1__outbox.sql}, written for the default table names; {@link #script()} renders
 * them for configured names.
 */
public final class OutboxSchema {
    private final Outbox outbox;

    OutboxSchema(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Creates whatever of the schema is missing. Idempotent; the schema (MySQL database) itself must exist. */
    public void create() {
        withConnection(connection -> {
            SchemaScript script = script(connection);
            try (Statement statement = connection.createStatement()) {
                for (String sql : script.statements()) {
                    statement.execute(sql);
                }
            }
            return null;
        });
    }

    /**
     * Checks that every table and column of the schema exists.
     *
     * @throws OutboxConfigurationException listing what is missing and the script that creates it
     */
    public void verify() {
        withConnection(connection -> {
            SchemaScript script = script(connection);
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, List<String>> table : script.tables().entrySet()) {
                try (Statement statement = connection.createStatement()) {
                    statement.executeQuery("SELECT " + String.join(", ", table.getValue()) + " FROM "
                            + table.getKey() + " WHERE 1 = 0").close();
                } catch (SQLException e) {
                    missing.add(table.getKey() + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
                }
            }
            if (!missing.isEmpty()) {
                throw new OutboxConfigurationException("The outbox schema is incomplete: " + String.join("; ", missing)
                        + ". Run outbox.schema().create(), or apply classpath:" + script.resource()
                        + (outbox.tables().equals(TableNames.defaults()) ? ""
                                : " rendered for your table names by outbox.schema().script()"));
            }
            return null;
        });
    }

    /** The schema script for this outbox's database and table names. */
    public String script() {
        return withConnection(connection -> script(connection).text());
    }

    private SchemaScript script(Connection connection) throws SQLException {
        return SchemaScript.load(outbox.dialect(connection).schemaResource(), outbox.tables());
    }

    private <T> T withConnection(SqlFunction<T> work) {
        try {
            return outbox.withConnection((connection, messages) -> work.apply(connection));
        } catch (SQLException e) {
            throw new OutboxStoreException("Schema operation on " + outbox.tables() + " failed: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface SqlFunction<T> {
        T apply(Connection connection) throws SQLException;
    }
}
