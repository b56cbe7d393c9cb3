package dev.outbox;

import dev.outbox.internal.Database;
import dev.outbox.internal.SchemaScript;
import dev.outbox.jdbc.Dialects;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outbox tables: create them for a quick start, check them before work starts, or print the scripts for your
 * migration tool.
 *
 * <p>The same versioned scripts ship as plain SQL resources for Flyway or Liquibase:
 * {@code dev/outbox/jdbc/<dialect>/V1__outbox.sql}, {@code V2__outbox.sql}, …, written for the default table names;
 * {@link #script()} renders them for configured names. A version counts as applied when the columns it adds exist,
 * so {@link #create()} brings a schema created by any earlier release, or by a migration tool, up to date.
 *
 * <p>Thread-safe; each call uses a connection of its own.
 */
public final class OutboxSchema {
    private final Database database;

    OutboxSchema(Database database) {
        this.database = database;
    }

    /**
     * Creates whatever of the schema is missing and applies the versions not yet applied. Idempotent; the schema
     * (MySQL database) itself must exist.
     */
    public void create() {
        run(connection -> {
            List<SchemaScript> scripts = scripts(connection);
            try (Statement statement = connection.createStatement()) {
                for (int v = 0; v < scripts.size(); v++) {
                    if (v > 0 && missing(connection, scripts.get(v)).isEmpty()) {
                        continue;
                    }
                    for (String sql : scripts.get(v).statements()) {
                        statement.execute(sql);
                    }
                }
            }
        });
    }

    /**
     * Checks that every table and column of every version exists.
     *
     * @throws OutboxConfigurationException listing what is missing and the scripts that create it
     */
    public void verify() {
        run(connection -> {
            List<String> missing = new ArrayList<>();
            List<String> scripts = new ArrayList<>();
            for (SchemaScript script : scripts(connection)) {
                List<String> absent = missing(connection, script);
                if (!absent.isEmpty()) {
                    missing.addAll(absent);
                    scripts.add("classpath:" + script.resource());
                }
            }
            if (!missing.isEmpty()) {
                throw new OutboxConfigurationException("The outbox schema is incomplete: " + String.join("; ", missing)
                        + ". Run outbox.schema().create(), or apply " + String.join(" then ", scripts)
                        + (database.tables().equals(TableNames.defaults()) ? ""
                                : " rendered for your table names by outbox.schema().script()"));
            }
        });
    }

    /** Every version of the schema script for this outbox's database and table names, in order. */
    public String script() {
        return withConnection(connection -> scripts(connection).stream().map(SchemaScript::text)
                .collect(Collectors.joining("\n")));
    }

    /**
     * How many versions the schema has for the database of {@code connection}: a migration tool applies versions
     * 1 to this number with {@link #migrate(Connection, TableNames, int)}.
     */
    public static int versions(Connection connection) throws SQLException {
        return Dialects.detect(connection).schemaResources().size();
    }

    /**
     * Applies one version (from 1) of the schema for {@code tables} on {@code connection}, in the caller's
     * transaction if one is open: for migration tools that keep their own record of versions (the Spring Boot
     * starter's Flyway and Liquibase support). A version whose tables and columns all exist already (made by
     * {@link #create()} or by hand) is skipped, so adopting a tool on an existing outbox is safe.
     *
     * @throws IllegalArgumentException when {@code version} is not between 1 and {@link #versions(Connection)}
     */
    public static void migrate(Connection connection, TableNames tables, int version) throws SQLException {
        List<String> resources = Dialects.detect(connection).schemaResources();
        if (version < 1 || version > resources.size()) {
            throw new IllegalArgumentException("outbox schema version " + version + " does not exist: versions are 1 to "
                    + resources.size());
        }
        SchemaScript script = SchemaScript.load(resources.get(version - 1), tables);
        if (missing(connection, script).isEmpty()) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            for (String sql : script.statements()) {
                statement.execute(sql);
            }
        }
    }

    /** The tables and columns of {@code script} that do not exist; probes inside a transaction are undone. */
    private static List<String> missing(Connection connection, SchemaScript script) throws SQLException {
        List<String> missing = new ArrayList<>();
        boolean inTransaction = !connection.getAutoCommit();
        for (Map.Entry<String, List<String>> table : script.tables().entrySet()) {
            // A failed statement aborts PostgreSQL's transaction: a savepoint keeps the caller's usable.
            Savepoint probe = inTransaction ? connection.setSavepoint() : null;
            try (Statement statement = connection.createStatement()) {
                statement.executeQuery("SELECT " + String.join(", ", table.getValue()) + " FROM "
                        + table.getKey() + " WHERE 1 = 0").close();
                if (probe != null) {
                    connection.releaseSavepoint(probe);
                }
            } catch (SQLException e) {
                if (probe != null) {
                    connection.rollback(probe);
                }
                missing.add(table.getKey() + " " + table.getValue() + " ("
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip() + ")");
            }
        }
        return missing;
    }

    private List<SchemaScript> scripts(Connection connection) throws SQLException {
        return database.stores(connection).dialect().schemaResources().stream()
                .map(resource -> SchemaScript.load(resource, database.tables())).toList();
    }

    private <T> T withConnection(SqlFunction<T> work) {
        try {
            return database.withConnection((connection, stores) -> work.apply(connection));
        } catch (SQLException e) {
            throw new OutboxStoreException("Schema operation on " + database.tables() + " failed: " + e.getMessage(),
                    e);
        }
    }

    private void run(SqlAction work) {
        withConnection(connection -> {
            work.run(connection);
            return Boolean.TRUE;
        });
    }

    @FunctionalInterface
    private interface SqlFunction<T> {
        T apply(Connection connection) throws SQLException;
    }

    @FunctionalInterface
    private interface SqlAction {
        void run(Connection connection) throws SQLException;
    }
}
