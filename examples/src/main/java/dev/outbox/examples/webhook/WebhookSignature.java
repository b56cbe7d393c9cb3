package dev.outbox.examples.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook's signature: {@code outbox-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>} over
 * {@code <t>.<message id>.<body>} with a shared secret. The receiver recomputes it, compares in constant time and
 * refuses signatures older than a tolerance, so a captured request cannot be replayed later.
 */
public final class WebhookSignature {
    /** The header that carries the signature. */
    public static final String HEADER = "outbox-signature";

    private final byte[] secret;

    public WebhookSignature(byte[] secret) {
        if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException("webhook secret: give at least 16 bytes");
        }
        this.secret = secret.clone();
    }

    /** The header value for {@code body} of message {@code id}, signed at {@code at}. */
    public String sign(String id, byte[] body, Instant at) {
        long t = at.getEpochSecond();
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac(t, id, body));
    }

    /**
     * Why {@code header} does not sign {@code body} of message {@code id} at {@code now} within {@code tolerance},
     * or null when it does.
     */
    public String problem(String header, String id, byte[] body, Instant now, Duration tolerance) {
        if (header == null) {
            return "no " + HEADER + " header";
        }
        long t = -1;
        byte[] given = null;
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                continue;
            }
            try {
                if (kv[0].equals("t")) {
                    t = Long.parseLong(kv[1]);
                } else if (kv[0].equals("v1")) {
                    given = HexFormat.of().parseHex(kv[1]);
                }
            } catch (IllegalArgumentException malformed) {
                return "malformed " + HEADER + " header";
            }
        }
        if (t < 0 || given == null) {
            return "malformed " + HEADER + " header";
        }
        if (Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
            return "signature timestamp outside the tolerance of " + tolerance;
        }
        return MessageDigest.isEqual(mac(t, id, body), given) ? null : "signature does not match";
    }

    private byte[] mac(long t, String id, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((t + "." + id + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
