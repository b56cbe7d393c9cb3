package dev.outbox.spring;

import dev.outbox.spi.ConsumerTransactions;
import java.sql.Connection;
import javax.sql.DataSource;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Handles;
import org.jdbi.v3.core.Jdbi;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs an idempotent consumer's attempt in a new Spring transaction, so that the deduplication record and every
 * write of the handler, through the Jdbi handle, {@code JdbcTemplate} or JPA, commit or roll back together.
 */
final class SpringConsumerTransactions implements ConsumerTransactions {
    private final TransactionTemplate template;
    private final Jdbi jdbi;

    SpringConsumerTransactions(PlatformTransactionManager transactionManager, DataSource dataSource) {
        this.template = new TransactionTemplate(transactionManager);
        this.template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.jdbi = jdbi(dataSource);
    }

    /** A Jdbi whose handles use the connection of Spring's current transaction, and leave it to Spring. */
    static Jdbi jdbi(DataSource dataSource) {
        SpringConnectionSupplier connections = new SpringConnectionSupplier(dataSource);
        Jdbi jdbi = Jdbi.create(new ConnectionFactory() {
            @Override
            public Connection openConnection() {
                return connections.get();
            }

            @Override
            public void closeConnection(Connection connection) {
                connections.release(connection);
            }
        });
        // Spring, not the handle, ends the transaction.
        jdbi.getConfig(Handles.class).setForceEndTransactions(false);
        return jdbi;
    }

    @Override
    public void inTransaction(Work work) throws Exception {
        try {
            template.executeWithoutResult(status -> {
                try (Handle handle = jdbi.open()) {
                    work.run(handle);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Exception e) {
                    throw new Checked(e);
                }
            });
        } catch (Checked e) {
            throw (Exception) e.getCause();
        }
    }

    /** Carries a checked exception through the template, which rolls back on unchecked ones. */
    private static final class Checked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Checked(Exception cause) {
            super(cause);
        }
    }
}
