package dev.outbox.examples.bench;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * A data source that counts what reaches the server: statements executed and transactions ended (each a round
 * trip; the driver sends BEGIN with the first statement of a transaction). Wraps a pool; unwraps to it.
 */
final class CountingDataSource implements InvocationHandler {
    private static final Set<String> EXECUTIONS = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
            "executeLargeUpdate", "executeLargeBatch");

    private final DataSource target;
    private final LongAdder statements = new LongAdder();
    private final LongAdder transactions = new LongAdder();

    private CountingDataSource(DataSource target) {
        this.target = target;
    }

    static Counted wrap(DataSource target) {
        CountingDataSource handler = new CountingDataSource(target);
        DataSource proxy = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, handler);
        return new Counted(proxy, handler);
    }

    /** A counting data source and its counts. */
    record Counted(DataSource dataSource, CountingDataSource counts) {
    }

    /** Statements and commits/rollbacks so far. */
    long roundTrips() {
        return statements.sum() + transactions.sum();
    }

    long statements() {
        return statements.sum();
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Object result = call(target, method, args);
        if (result instanceof Connection connection) {
            return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (p, m, a) -> {
                        if (m.getName().equals("commit") || m.getName().equals("rollback")) {
                            transactions.increment();
                        }
                        if (m.getName().equals("unwrap") || m.getName().equals("isWrapperFor")) {
                            return call(connection, m, a);
                        }
                        Object r = call(connection, m, a);
                        return r instanceof Statement statement ? statement(statement) : r;
                    });
        }
        return result;
    }

    private Object statement(Statement statement) {
        Class<?>[] types = statement.getClass().getInterfaces().length > 0
                ? interfacesOf(statement) : new Class<?>[] {Statement.class};
        return Proxy.newProxyInstance(Statement.class.getClassLoader(), types, (p, m, a) -> {
            if (EXECUTIONS.contains(m.getName())) {
                statements.increment();
            }
            return call(statement, m, a);
        });
    }

    private static Class<?>[] interfacesOf(Statement statement) {
        if (statement instanceof java.sql.CallableStatement) {
            return new Class<?>[] {java.sql.CallableStatement.class};
        }
        if (statement instanceof java.sql.PreparedStatement) {
            return new Class<?>[] {java.sql.PreparedStatement.class};
        }
        return new Class<?>[] {Statement.class};
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
