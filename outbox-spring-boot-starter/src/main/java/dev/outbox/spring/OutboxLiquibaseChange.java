package dev.outbox.spring;

import dev.outbox.OutboxSchema;
import dev.outbox.TableNames;
import liquibase.change.custom.CustomTaskChange;
import liquibase.database.Database;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.CustomChangeException;
import liquibase.exception.SetupException;
import liquibase.exception.ValidationErrors;
import liquibase.resource.ResourceAccessor;
import org.jspecify.annotations.Nullable;

/**
 * One version of the outbox schema as a Liquibase change, rendered for the table prefix and schema given as
 * parameters; used by {@code dev/outbox/liquibase/changelog.xml}. Public for Liquibase, not for applications.
 *
 * <p>Liquibase creates one instance per change set execution; not shared between threads.
 */
public final class OutboxLiquibaseChange implements CustomTaskChange {
    private @Nullable String version;
    private String tablePrefix = TableNames.DEFAULT_PREFIX;
    private @Nullable String tableSchema;

    public void setVersion(String version) {
        this.version = version;
    }

    public void setTablePrefix(String tablePrefix) {
        this.tablePrefix = tablePrefix;
    }

    public void setTableSchema(String tableSchema) {
        this.tableSchema = tableSchema;
    }

    @Override
    public void execute(Database database) throws CustomChangeException {
        TableNames tables = TableNames.defaults().withPrefix(unset(tablePrefix) ? TableNames.DEFAULT_PREFIX
                : tablePrefix);
        String schema = tableSchema;
        if (schema != null && !unset(schema)) {
            tables = tables.inSchema(schema);
        }
        try {
            OutboxSchema.migrate(((JdbcConnection) database.getConnection()).getUnderlyingConnection(), tables,
                    Integer.parseInt(version));
        } catch (Exception e) {
            throw new CustomChangeException("outbox schema version " + version + " failed: " + e.getMessage(), e);
        }
    }

    /** Blank, or a change-log parameter nobody set. */
    private static boolean unset(@Nullable String value) {
        return value == null || value.isBlank() || value.startsWith("${");
    }

    @Override
    public String getConfirmationMessage() {
        return "outbox schema version " + version + " applied";
    }

    @Override
    public void setUp() throws SetupException {
    }

    @Override
    public void setFileOpener(ResourceAccessor resourceAccessor) {
    }

    @Override
    public ValidationErrors validate(Database database) {
        ValidationErrors errors = new ValidationErrors();
        if (version == null || !version.matches("[1-9][0-9]*")) {
            errors.addError("outbox change: version must be a positive number, was " + version);
        }
        return errors;
    }
}
