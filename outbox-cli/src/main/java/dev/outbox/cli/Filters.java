package dev.outbox.cli;

import dev.outbox.DeadLetterFilter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The dead-letter filters every dead-letters command takes. */
final class Filters {
    @Option(names = "--origin", description = "relay, or a consumer's name")
    String origin;

    @Option(names = "--destination", description = "the message's destination")
    String destination;

    @Option(names = "--type", description = "the message's type")
    String type;

    @Option(names = "--key", description = "the message's key")
    String key;

    @Option(names = "--error-class", description = "class of the last error, e.g. java.io.IOException")
    String errorClass;

    @Option(names = "--message-id", description = "the message's id (a UUID)")
    UUID messageId;

    @Option(names = "--since", converter = InstantConverter.class,
            description = "failed at or after: 2026-11-30T12:00:00Z, or a date (UTC midnight)")
    Instant since;

    @Option(names = "--until", converter = InstantConverter.class,
            description = "failed before: 2026-11-30T12:00:00Z, or a date (UTC midnight)")
    Instant until;

    DeadLetterFilter filter() {
        return new DeadLetterFilter(messageId, origin, destination, type, key, errorClass, since, until);
    }

    boolean none() {
        return filter().equals(DeadLetterFilter.all());
    }

    /** ISO-8601 instants, or dates taken as UTC midnight. */
    static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return value.length() == 10 ? LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC)
                        : Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a time: use "
                        + "2026-11-30T12:00:00Z or 2026-11-30");
            }
        }
    }
}
