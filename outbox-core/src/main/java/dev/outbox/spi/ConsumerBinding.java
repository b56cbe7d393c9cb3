package dev.outbox.spi;

/**
 * A broker binding that receives messages and hands them to a {@link MessageProcessor}: what every adapter's
 * consumer binding is, so that frameworks can start and stop them alike (the Spring Boot starter starts every
 * binding declared as a bean with the application context and closes it before the pool).
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
