package dev.outbox.spi;

/**
 * The broker could not be reached (connection lost or refused, no answer in time): a failure that says nothing
 * about the message. A publisher reports it as the cause of {@link PublishResult.Failed} (or completes the whole
 * batch with it); the relay then retries the message every few seconds for as long as the outage lasts, without
 * counting the attempt towards dead-lettering, so an outage never turns good messages into dead letters.
 *
 * <p>Safe to hand between threads once thrown.
 */
public class BrokerUnavailableException extends RuntimeException {

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
