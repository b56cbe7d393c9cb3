package dev.outbox.internal;

import dev.outbox.spi.OutboundMessage;

/** A message a relay has claimed, with its row's write position. */
public record Claimed(long seq, OutboundMessage message) {
}
