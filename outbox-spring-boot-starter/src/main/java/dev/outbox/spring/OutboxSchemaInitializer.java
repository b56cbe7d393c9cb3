package dev.outbox.spring;

import dev.outbox.Outbox;
import dev.outbox.OutboxSchema;
import dev.outbox.TableNames;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;
import org.jspecify.annotations.Nullable;

/**
 * Brings the outbox tables up to date at startup, before the {@link Outbox} bean exists, in the way
 * {@code outbox.schema.mode} says. Flyway and Liquibase run as instances of the outbox's own, with history tables of
 * their own, so the application's migrations (its {@code V1__}, its change sets) and the outbox's never clash, and
 * the application's own Flyway or Liquibase bean is left alone.
 */
final class OutboxSchemaInitializer implements InitializingBean {
    /** The Liquibase change log of the outbox: include it in your own and set {@code outbox.schema.mode=none}. */
    static final String LIQUIBASE_CHANGELOG = "classpath:dev/outbox/liquibase/changelog.xml";

    private final DataSource dataSource;
    private final OutboxProperties properties;
    private final ResourceLoader resourceLoader;

    OutboxSchemaInitializer(DataSource dataSource, OutboxProperties properties, ResourceLoader resourceLoader) {
        this.dataSource = dataSource;
        this.properties = properties;
        this.resourceLoader = resourceLoader;
    }

    /** The mode in effect: AUTO resolved by what is on the class path. */
    static OutboxProperties.SchemaMode resolve(OutboxProperties.SchemaMode mode, @Nullable ClassLoader classLoader) {
        if (mode != OutboxProperties.SchemaMode.AUTO) {
            return mode;
        }
        if (ClassUtils.isPresent("org.flywaydb.core.Flyway", classLoader)) {
            return OutboxProperties.SchemaMode.FLYWAY;
        }
        if (ClassUtils.isPresent("liquibase.integration.spring.SpringLiquibase", classLoader)) {
            return OutboxProperties.SchemaMode.LIQUIBASE;
        }
        return OutboxProperties.SchemaMode.CREATE;
    }

    @Override
    public void afterPropertiesSet() throws Exception {
        switch (resolve(properties.getSchema().getMode(), resourceLoader.getClassLoader())) {
            case FLYWAY -> flyway();
            case LIQUIBASE -> liquibase();
            case CREATE -> schema().create();
            default -> {
                // NONE: the application migrates; the relay verifies the schema when it starts.
            }
        }
    }

    private OutboxSchema schema() {
        return Outbox.builder().dataSource(dataSource).tables(properties.tables()).build().schema();
    }

    private void flyway() throws SQLException {
        TableNames tables = properties.tables();
        int versions;
        try (Connection c = dataSource.getConnection()) {
            versions = OutboxSchema.versions(c);
        }
        org.flywaydb.core.api.migration.JavaMigration[] migrations =
                new org.flywaydb.core.api.migration.JavaMigration[versions];
        for (int v = 1; v <= versions; v++) {
            migrations[v - 1] = new OutboxFlywayMigration(tables, v);
        }
        org.flywaydb.core.Flyway.configure(resourceLoader.getClassLoader())
                .dataSource(dataSource)
                .table(properties.getSchema().getFlywayTable())
                .resourceProvider(OutboxFlywayMigration.NO_SCRIPTS)
                .javaMigrationClassProvider(OutboxFlywayMigration.NO_CLASSES)
                .javaMigrations(migrations)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    private void liquibase() throws Exception {
        liquibase.integration.spring.SpringLiquibase liquibase = new liquibase.integration.spring.SpringLiquibase();
        liquibase.setDataSource(dataSource);
        liquibase.setResourceLoader(resourceLoader);
        liquibase.setChangeLog(LIQUIBASE_CHANGELOG);
        String prefix = properties.getTablePrefix();
        liquibase.setDatabaseChangeLogTable(prefix + "databasechangelog");
        liquibase.setDatabaseChangeLogLockTable(prefix + "databasechangeloglock");
        liquibase.setChangeLogParameters(Map.of("outbox.table-prefix", prefix,
                "outbox.table-schema", properties.getTableSchema() == null ? "" : properties.getTableSchema()));
        liquibase.afterPropertiesSet();
    }
}
