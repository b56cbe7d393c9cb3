package dev.outbox.spring;

import dev.outbox.OutboxSchema;
import dev.outbox.TableNames;
import java.util.Collection;
import java.util.List;
import org.flywaydb.core.api.ClassProvider;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.flywaydb.core.api.resource.LoadableResource;
import org.jspecify.annotations.Nullable;

/** One version of the outbox schema as a Flyway migration, rendered for the configured table names. */
final class OutboxFlywayMigration implements JavaMigration {
    /** The outbox's Flyway scans no location: its migrations are these, not the application's scripts. */
    static final ResourceProvider NO_SCRIPTS = new ResourceProvider() {
        @Override
        public @Nullable LoadableResource getResource(String name) {
            return null;
        }

        @Override
        public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
            return List.of();
        }
    };
    static final ClassProvider<JavaMigration> NO_CLASSES = List::of;

    private final TableNames tables;
    private final int version;

    OutboxFlywayMigration(TableNames tables, int version) {
        this.tables = tables;
        this.version = version;
    }

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion(Integer.toString(version));
    }

    @Override
    public String getDescription() {
        return "outbox schema " + version;
    }

    @Override
    public @Nullable Integer getChecksum() {
        return null;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws Exception {
        OutboxSchema.migrate(context.getConnection(), tables, version);
    }
}
