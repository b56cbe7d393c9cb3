package dev.outbox.spi;

/**
 * A broker binding that receives messages and hands them to a {@link MessageProcessor}: what every adapter's
 * consumer binding is, so that frameworks can start and stop them alike (the Spring Boot starter starts every
 * binding declared as a bean with the application context and closes it before the pool).
 *
 * <p>Implementations must allow {@code start()} and {@code close()} from any thread, and {@code close()} more than
 * once.
 */
public interface ConsumerBinding extends AutoCloseable {

    /** Starts receiving; once. */
    void start();

    /**
     * Stops receiving, lets the messages in progress finish within the binding's timeout, and releases the broker
     * client. Idempotent.
     */
    @Override
    void close();
}
