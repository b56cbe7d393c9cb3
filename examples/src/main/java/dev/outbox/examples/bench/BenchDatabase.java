package dev.outbox.examples.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL schema of its own for one benchmark run, dropped at the end. The server comes from
 * {@code OUTBOX_BENCH_POSTGRES_URL}, else {@code OUTBOX_TEST_POSTGRES_URL}, else the local default.
 */
final class BenchDatabase implements AutoCloseable {
    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private final String serverUrl;
    private final String schema;
    private final HikariDataSource dataSource;

    BenchDatabase(String name, int poolSize) throws SQLException {
        String url = System.getenv("OUTBOX_BENCH_POSTGRES_URL");
        if (url == null) {
            url = System.getenv().getOrDefault("OUTBOX_TEST_POSTGRES_URL", DEFAULT_URL);
        }
        serverUrl = url;
        schema = "outbox_bench_" + name + "_" + ProcessHandle.current().pid();
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        execute("CREATE SCHEMA " + schema);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName(schema);
        dataSource = new HikariDataSource(config);
    }

    HikariDataSource dataSource() {
        return dataSource;
    }

    String describe() {
        return serverUrl.replaceAll("password=[^&]*", "password=***") + " schema " + schema;
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        dataSource.close();
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
}
