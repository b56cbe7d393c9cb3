package dev.outbox.jdbc;

import dev.outbox.OutboxConfigurationException;
import dev.outbox.spi.Dialect;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the shipped dialect for a database from its JDBC metadata, and checks the version is supported.
 *
 * <p>Stateless and thread-safe.
 */
public final class Dialects {
    private static final Pattern MARIADB_VERSION = Pattern.compile("(?:^5\\.5\\.5-)?(\\d+)\\.(\\d+)");
    private static final String SUPPORTED = "PostgreSQL 12+, MySQL 8.0+, MariaDB 10.6+ and H2 2.x";

    private Dialects() {
    }

    /**
     * The dialect for the database behind {@code connection}.
     *
     * @throws OutboxConfigurationException for an unsupported database or version, listing the supported ones
     */
    public static Dialect detect(Connection connection) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String product = meta.getDatabaseProductName();
        String version = meta.getDatabaseProductVersion();
        int major = meta.getDatabaseMajorVersion();
        int minor = meta.getDatabaseMinorVersion();
        String name = product.toLowerCase(Locale.ROOT);
        boolean mariadb = name.contains("mariadb") || version.toLowerCase(Locale.ROOT).contains("mariadb");
        if (name.contains("postgresql")) {
            return supported(new PostgresDialect(), major >= PostgresDialect.MIN_MAJOR_VERSION, product, version);
        }
        if (mariadb) {
            return supported(new MySqlDialect(), mariaDbVersion(version, major * 100 + minor)
                    >= MySqlDialect.MIN_MARIADB_VERSION, product, version);
        }
        if (name.contains("mysql")) {
            return supported(new MySqlDialect(), major >= MySqlDialect.MIN_MYSQL_MAJOR_VERSION, product, version);
        }
        if (name.equals("h2")) {
            return supported(new H2Dialect(), major >= H2Dialect.MIN_MAJOR_VERSION, product, version);
        }
        throw new OutboxConfigurationException("The outbox does not support " + product + " " + version
                + ". Supported: " + SUPPORTED + ". For another database, implement dev.outbox.spi.Dialect, "
                + "prove it with DialectContract and pass it to Outbox.builder().dialect(...)");
    }

    /** The shipped scripts {@code V1__outbox.sql} to {@code V<versions>__outbox.sql} of a dialect's folder. */
    static List<String> scripts(String folder, int versions) {
        List<String> scripts = new ArrayList<>(versions);
        for (int v = 1; v <= versions; v++) {
            scripts.add("dev/outbox/jdbc/" + folder + "/V" + v + "__outbox.sql");
        }
        return List.copyOf(scripts);
    }

    /** MySQL drivers report MariaDB as "5.5.5-10.11.6-MariaDB": the real version follows the prefix. */
    private static int mariaDbVersion(String version, int reported) {
        Matcher m = MARIADB_VERSION.matcher(version);
        return m.find() ? Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(m.group(2)) : reported;
    }

    private static Dialect supported(Dialect dialect, boolean versionOk, String product, String version) {
        if (!versionOk) {
            throw new OutboxConfigurationException("The outbox needs a newer " + product + " than " + version
                    + " (it relies on SELECT ... FOR UPDATE SKIP LOCKED). Supported: " + SUPPORTED);
        }
        return dialect;
    }
}
