package dev.outbox.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.testing.JdbcServer;
import java.nio.file.Files;
import java.nio.file.Path;

/** H2 in a file both processes open (AUTO_SERVER: the first one serves the other). */
class H2CliIT extends CliContract {
    @Override
    protected Target createTarget() throws Exception {
        Path dir = Files.createTempDirectory("outbox-cli-h2");
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(url);
        pool.setUsername("sa");
        pool.setPassword("");
        pool.setMaximumPoolSize(10);
        return new Target(url, "sa", "", pool, pool);
    }

    @Override
    protected JdbcServer.Kind kind() {
        return JdbcServer.Kind.H2;
    }
}
