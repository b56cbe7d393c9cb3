package dev.outbox.examples.orders;

/** The event of a placed order, as JSON on the wire. */
public record OrderPlaced(String orderId, String customer, int total) {
}
