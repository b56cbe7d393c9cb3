package dev.outbox.testing;

import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.MessageProcessor;

/**
 * The broker side of {@link CrashContract}: what the test (to prepare) and the child JVMs it kills (to publish and
 * consume) need of a broker. Implementations need a public no-argument constructor: the children create them by
 * class name.
 */
public interface CrashTestBroker {

    /** In the test: where the children find the broker (bootstrap servers, URI, endpoint). */
    String endpoint();

    /** In the test: a new destination, and its dead-letter destination, named after {@code base}. */
    String createDestination(String base);

    /** In a relay child: the publisher to {@code endpoint}. */
    MessagePublisher publisher(String endpoint) throws Exception;

    /** In a consumer child: starts consuming {@code destination} into {@code processor}; all children share it. */
    AutoCloseable bind(String endpoint, String destination, MessageProcessor processor) throws Exception;
}
