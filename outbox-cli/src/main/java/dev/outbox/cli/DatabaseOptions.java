package dev.outbox.cli;

import dev.outbox.Outbox;
import dev.outbox.TableNames;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Where the outbox is: the JDBC URL, the credentials and the table names, shared by every command. */
final class DatabaseOptions {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--jdbc-url", defaultValue = "${env:OUTBOX_JDBC_URL}",
            description = "JDBC URL of the outbox database (or env OUTBOX_JDBC_URL), e.g. "
                    + "jdbc:postgresql://db:5432/app, jdbc:mariadb://db:3306/app, jdbc:h2:file:./app")
    String jdbcUrl;

    @Option(names = "--user", defaultValue = "${env:OUTBOX_DB_USER}", description = "Database user (or env "
            + "OUTBOX_DB_USER)")
    String user;

    @Option(names = "--password", interactive = true, arity = "0..1", description = "Prompt for the password "
            + "(else env OUTBOX_DB_PASSWORD)")
    char[] password;

    @Option(names = "--table-prefix", defaultValue = TableNames.DEFAULT_PREFIX, description = "Prefix of the "
            + "outbox tables (default: ${DEFAULT-VALUE})")
    String tablePrefix;

    @Option(names = "--table-schema", description = "Schema of the outbox tables (default: the connection's)")
    String tableSchema;

    /** The outbox these options point at; fails with a usage error naming what is missing. */
    Outbox outbox() {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing --jdbc-url (or env "
                    + "OUTBOX_JDBC_URL): the JDBC URL of the outbox database");
        }
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid --jdbc-url '" + jdbcUrl
                    + "': a JDBC URL starts with jdbc:, e.g. jdbc:postgresql://host:5432/db");
        }
        if (tablePrefix == null || !tablePrefix.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid --table-prefix '" + tablePrefix
                    + "': letters, digits and underscores, not starting with a digit");
        }
        TableNames tables = TableNames.defaults().withPrefix(tablePrefix);
        if (tableSchema != null && !tableSchema.isBlank()) {
            tables = tables.inSchema(tableSchema);
        }
        return Outbox.builder().dataSource(new Direct(jdbcUrl, user, secret())).tables(tables).build();
    }

    private String secret() {
        if (password != null && password.length > 0) {
            return new String(password);
        }
        return System.getenv("OUTBOX_DB_PASSWORD");
    }

    /** Connections straight from the driver: a command opens a handful. */
    private record Direct(String url, String user, String password) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            Properties props = new Properties();
            if (user != null && !user.isBlank()) {
                props.setProperty("user", user);
            }
            if (password != null) {
                props.setProperty("password", password);
            }
            try {
                return DriverManager.getConnection(url, props);
            } catch (SQLException e) {
                throw new SQLException("cannot connect with --jdbc-url " + url.replaceAll("password=[^&;]*",
                        "password=***") + ": " + e.getMessage(), e.getSQLState(), e);
            }
        }

        @Override
        public Connection getConnection(String username, String secret) throws SQLException {
            return new Direct(url, username, secret).getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
            DriverManager.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return DriverManager.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
