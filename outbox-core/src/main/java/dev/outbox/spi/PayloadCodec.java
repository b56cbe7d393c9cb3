package dev.outbox.spi;

/**
 * Turns payload objects into bytes at write time and back at consume time.
 *
 * <p>The default is JSON through Jackson ({@code dev.outbox.JsonCodec}); implement this for Protobuf, Avro or any
 * other format. Implementations must be thread-safe. {@link #encode} failures are reported to the writer's caller
 * before anything is stored; {@link #decode} failures are treated as poison messages by the consumer side.
 */
public interface PayloadCodec {

    /** Encodes a payload object. Throws {@link IllegalArgumentException} when the value cannot be encoded. */
    byte[] encode(Object payload);

    /** Decodes bytes written by {@link #encode} (or by another producer using the same format). */
    <T> T decode(byte[] bytes, Class<T> type);

    /** The MIME type stored with every message this codec encoded, e.g. {@code application/json}. */
    String contentType();
}
