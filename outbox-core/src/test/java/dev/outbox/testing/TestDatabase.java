package dev.outbox.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/** A suite's own namespace on a {@link JdbcServer}, with a connection pool. Closing it drops the namespace. */
public final class TestDatabase implements AutoCloseable {
    private static final int POOL_SIZE = 10;

    private final JdbcServer server;
    private final String name;
    private final String url;
    private final HikariDataSource dataSource;

    TestDatabase(JdbcServer server, String name, String url) {
        this.server = server;
        this.name = name;
        this.url = url;
        this.dataSource = pool(name, url, POOL_SIZE);
    }

    public JdbcServer.Kind kind() {
        return server.kind();
    }

    /** The namespace: schema (PostgreSQL), database (MySQL) or in-memory database (H2). */
    public String name() {
        return name;
    }

    public String url() {
        return url;
    }

    /** A pooled data source whose connections use this namespace by default. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Connections of the pool in use right now (borrowed and not yet given back). */
    public int activeConnections() {
        return dataSource.getHikariPoolMXBean().getActiveConnections();
    }

    /** A second pool on this namespace, of {@code size} connections; close it. */
    public HikariDataSource pool(String poolName, int size) {
        return pool(name + "-" + poolName, url, size);
    }

    private HikariDataSource pool(String poolName, String jdbcUrl, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (server.user() != null) {
            config.setUsername(server.user());
        }
        if (server.password() != null) {
            config.setPassword(server.password());
        }
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setPoolName(poolName);
        return new HikariDataSource(config);
    }

    public Jdbi jdbi() {
        return Jdbi.create(dataSource);
    }

    /** A new pooled connection in auto-commit mode; close it. */
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void close() {
        dataSource.close();
        server.drop(name, url);
    }

    @Override
    public String toString() {
        return server.kind() + " " + name;
    }
}
