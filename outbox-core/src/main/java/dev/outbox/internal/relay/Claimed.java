package dev.outbox.internal.relay;

import dev.outbox.spi.OutboundMessage;

/**
 * A message a relay has claimed, with its row's write position and size.
 *
 * @param seq the row's write position
 * @param message the message (with empty headers when they were unreadable)
 * @param bytes payload and headers as stored, for the claim's byte budget
 * @param unreadable why the row cannot be published as stored (it is dead-lettered unpublished), or null
 */
public record Claimed(long seq, OutboundMessage message, long bytes, String unreadable) {
}
