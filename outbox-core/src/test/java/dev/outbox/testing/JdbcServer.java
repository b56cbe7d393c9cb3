package dev.outbox.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database server the tests may use. {@link #createDatabase(String)} gives each suite its own namespace (a
 * PostgreSQL schema, a MySQL database, an H2 in-memory database), so suites run in any order, in parallel and
 * again on the same server.
 *
 * @param kind which database
 * @param url JDBC URL of the server's database that namespaces are created in
 * @param user user, or null when the URL carries it
 * @param password password, or null
 */
public record JdbcServer(Kind kind, String url, String user, String password) {

    /** The databases the library supports. */
    public enum Kind { POSTGRESQL, MYSQL, H2 }

    private static final Pattern URL_PARTS = Pattern.compile("^(jdbc:[a-z]+://[^/?]+)(/[^?]*)?(\\?.*)?$");

    /** Opens a plain connection to the server database. */
    public Connection connect() throws SQLException {
        return connect(url);
    }

    Connection connect(String target) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(target, props);
    }

    /** Creates a fresh namespace named after the suite; closing the result drops it. */
    public TestDatabase createDatabase(String suite) {
        String name = ("outbox_" + suite.replaceAll("[^A-Za-z0-9]", "_") + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)))
                .toLowerCase(Locale.ROOT);
        if (name.length() > 60) {
            name = name.substring(0, 53) + name.substring(name.length() - 7);
        }
        String target = switch (kind) {
            case POSTGRESQL -> withParameter(url, "currentSchema=" + name);
            case MYSQL -> withDatabase(url, name);
            case H2 -> "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
        };
        if (kind != Kind.H2) {
            execute(url, (kind == Kind.POSTGRESQL ? "CREATE SCHEMA " : "CREATE DATABASE ") + name);
        }
        return new TestDatabase(this, name, target);
    }

    void drop(String name, String target) {
        switch (kind) {
            case POSTGRESQL -> execute(url, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
            case MYSQL -> execute(url, "DROP DATABASE IF EXISTS " + name);
            case H2 -> execute(target, "SHUTDOWN");
        }
    }

    private void execute(String target, String sql) {
        try (Connection c = connect(target); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + target + ": " + e.getMessage(), e);
        }
    }

    private static String withParameter(String url, String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }

    private static String withDatabase(String url, String database) {
        Matcher m = URL_PARTS.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read the database of JDBC URL " + url);
        }
        return m.group(1) + "/" + database + (m.group(3) == null ? "" : m.group(3));
    }

    @Override
    public String toString() {
        return kind + " " + url.replaceAll("password=[^&;]*", "password=***");
    }
}
