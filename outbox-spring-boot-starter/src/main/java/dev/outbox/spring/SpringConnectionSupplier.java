package dev.outbox.spring;

import dev.outbox.ConnectionSupplier;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The connection of Spring's current transaction ({@code @Transactional}, {@code TransactionTemplate}), whatever its
 * transaction manager: JDBC, {@code JdbcTemplate} and JPA share it. Relays in this JVM are woken after commit.
 *
 * <p>Thread-safe: it answers with the calling thread's transaction.
 */
public final class SpringConnectionSupplier implements ConnectionSupplier {
    private final DataSource dataSource;

    public SpringConnectionSupplier(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection get() {
        return DataSourceUtils.getConnection(dataSource);
    }

    @Override
    public void release(Connection connection) {
        DataSourceUtils.releaseConnection(connection, dataSource);
    }

    @Override
    public void afterCommit(Runnable action) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    action.run();
                }
            });
        }
    }
}
