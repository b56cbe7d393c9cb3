package dev.outbox.cli;

import dev.outbox.DeadLetter;
import dev.outbox.DeadLetterFilter;
import dev.outbox.Outbox;
import dev.outbox.ReplayReport;
import dev.outbox.spi.OutboundMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code outbox dead-letters list|show|replay|purge}. */
@Command(name = "dead-letters", mixinStandardHelpOptions = true, description = "List, show, replay or purge dead "
        + "letters.", subcommands = {DeadLettersCommand.ListCommand.class, DeadLettersCommand.Show.class,
        DeadLettersCommand.Replay.class, DeadLettersCommand.Purge.class})
final class DeadLettersCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: use list, show, replay or "
                + "purge");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Dead letters matching the filters, "
            + "oldest first, a page at a time.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DatabaseOptions db;

        @Mixin
        Filters filters;

        @Option(names = "--after", defaultValue = "0", description = "Dead-letter id the page starts after (the "
                + "previous page's last; default 0)")
        long after;

        @Option(names = "--limit", defaultValue = "50", description = "Page size, 1 to 1000 (default "
                + "${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--json", description = "JSON instead of a table")
        boolean json;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 1000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid --limit " + limit
                        + ": give 1 to 1000");
            }
            List<DeadLetter> page = db.outbox().admin().deadLetters(filters.filter(), after, limit);
            PrintWriter out = spec.commandLine().getOut();
            Long next = page.size() == limit ? page.get(page.size() - 1).deadLetterId() : null;
            if (json) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("deadLetters", page.stream().map(DeadLetter::summary).toList());
                body.put("next", next);
                Output.json(out, body);
                return OutboxCli.OK;
            }
            Output.table(out, List.of("ID", "MESSAGE ID", "DESTINATION", "KEY", "TYPE", "ORIGIN", "ATTEMPTS",
                    "FAILED AT", "ERROR"), page.stream().map(d -> List.of(Long.toString(d.deadLetterId()),
                    d.message().id().toString(), d.message().destination(), Objects.toString(d.message().key(), "-"),
                    Objects.toString(d.message().type(), "-"), d.origin(), Integer.toString(d.attempts()),
                    String.valueOf(d.failedAt()), Objects.toString(d.lastError(), "-"))).toList(), 48);
            if (next != null) {
                out.println("more: --after " + next);
            }
            return OutboxCli.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One dead letter in full: envelope, "
            + "headers, payload and the whole reason.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DatabaseOptions db;

        @Parameters(index = "0", paramLabel = "ID", description = "dead-letter id, or message id (a UUID)")
        String id;

        @Option(names = "--json", description = "JSON instead of text")
        boolean json;

        @Override
        public Integer call() {
            DeadLetter d = find(db.outbox());
            PrintWriter out = spec.commandLine().getOut();
            Map<String, Object> full = new LinkedHashMap<>(d.summary());
            OutboundMessage m = d.message();
            full.put("routingKey", m.routingKey());
            full.put("contentType", m.contentType());
            full.put("correlationId", m.correlationId());
            full.put("causationId", m.causationId());
            full.put("traceparent", m.traceparent());
            full.put("createdAt", String.valueOf(m.createdAt()));
            full.put("headers", m.headers());
            String text = utf8(m.payload());
            full.put(text != null ? "payload" : "payloadBase64", text != null ? text
                    : Base64.getEncoder().encodeToString(m.payload()));
            if (json) {
                Output.json(out, full);
                return OutboxCli.OK;
            }
            full.forEach((name, value) -> out.println(name + ": " + (value instanceof Map<?, ?> map
                    ? map.isEmpty() ? "-" : "" : Output.printable(String.valueOf(value)))));
            m.headers().forEach((name, value) -> out.println("  " + Output.printable(name) + ": "
                    + Output.printable(value)));
            return OutboxCli.OK;
        }

        private DeadLetter find(Outbox outbox) {
            List<DeadLetter> found;
            try {
                found = outbox.admin().deadLetters(DeadLetterFilter.byId(UUID.fromString(id)), 1);
            } catch (IllegalArgumentException notUuid) {
                long deadLetterId;
                try {
                    deadLetterId = Long.parseLong(id);
                } catch (NumberFormatException notNumber) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid ID '" + id
                            + "': give a dead-letter id (a number) or a message id (a UUID)");
                }
                found = outbox.admin().deadLetters(DeadLetterFilter.all(), deadLetterId - 1, 1).stream()
                        .filter(d -> d.deadLetterId() == deadLetterId).toList();
            }
            if (found.isEmpty()) {
                throw new OutboxCli.CliException(OutboxCli.FAILED, "no dead letter " + id);
            }
            return found.get(0);
        }
    }

    /** What replay and purge share: filters, dry run, confirmation. */
    abstract static class Bulk implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DatabaseOptions db;

        @Mixin
        Filters filters;

        @Option(names = "--all", description = "Every dead letter, when no filter is given")
        boolean all;

        @Option(names = "--dry-run", description = "Say what would be done, do nothing")
        boolean dryRun;

        @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation")
        boolean yes;

        abstract String verb();

        abstract Integer run(Outbox outbox, DeadLetterFilter filter, Progress progress);

        @Override
        public Integer call() {
            if (filters.none() && !all) {
                throw new CommandLine.ParameterException(spec.commandLine(), "No filter given: pass --origin, "
                        + "--destination, --type, --key, --error-class, --message-id, --since or --until, or --all "
                        + "to " + verb() + " every dead letter");
            }
            Outbox outbox = db.outbox();
            DeadLetterFilter filter = filters.filter();
            long count = outbox.admin().countDeadLetters(filter);
            PrintWriter out = spec.commandLine().getOut();
            if (count == 0) {
                out.println("no dead letter matches");
                return OutboxCli.OK;
            }
            if (dryRun) {
                out.printf("would %s %,d dead letter(s):%n", verb(), count);
                Output.table(out, List.of("ORIGIN", "ERROR CLASS", "COUNT"), outbox.admin().deadLetterGroups(filter)
                        .stream().map(g -> List.of(g.origin(), Objects.toString(g.errorClass(), "-"),
                                String.format("%,d", g.count()))).toList(), 60);
                return OutboxCli.OK;
            }
            if (!yes && !confirm(String.format("%s %,d dead letter(s)? [y/N] ", capitalized(verb()), count))) {
                throw new OutboxCli.CliException(OutboxCli.NOT_CONFIRMED, "not confirmed; nothing was done (pass "
                        + "--yes to skip the question)");
            }
            Progress progress = new Progress(spec.commandLine().getErr(), verb());
            try {
                return run(outbox, filter, progress);
            } finally {
                progress.finish();
            }
        }

        private boolean confirm(String question) {
            PrintWriter err = spec.commandLine().getErr();
            err.print(question);
            err.flush();
            try {
                String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        .readLine();
                return answer != null && (answer.trim().equalsIgnoreCase("y")
                        || answer.trim().equalsIgnoreCase("yes"));
            } catch (IOException e) {
                return false;
            }
        }

        private static String capitalized(String verb) {
            return Character.toUpperCase(verb.charAt(0)) + verb.substring(1);
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, description = "Move matching dead letters back into "
            + "the outbox with their ids, in batches, with progress; lists what could not be replayed (exit 5).")
    static final class Replay extends Bulk {
        @Override
        String verb() {
            return "replay";
        }

        @Override
        Integer run(Outbox outbox, DeadLetterFilter filter, Progress progress) {
            long start = System.nanoTime();
            ReplayReport report = outbox.admin().replay(filter, progress);
            progress.finish();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("replayed %,d dead letter(s) in %.1f s%n", report.replayed(), (System.nanoTime() - start) / 1e9);
            if (report.skipped().isEmpty()) {
                return OutboxCli.OK;
            }
            out.printf("not replayed: %,d%n", report.skipped().size());
            Output.table(out, List.of("ID", "MESSAGE ID", "REASON"), report.skipped().stream().map(s -> List.of(
                    Long.toString(s.deadLetterId()), String.valueOf(s.messageId()), s.reason())).toList(), 120);
            return OutboxCli.PARTIAL;
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true, description = "Delete matching dead letters for good, "
            + "in batches, with progress.")
    static final class Purge extends Bulk {
        @Override
        String verb() {
            return "purge";
        }

        @Override
        Integer run(Outbox outbox, DeadLetterFilter filter, Progress progress) {
            long purged = outbox.admin().purge(filter, progress);
            progress.finish();
            spec.commandLine().getOut().printf("purged %,d dead letter(s)%n", purged);
            return OutboxCli.OK;
        }
    }

    /** The payload as text when it is valid UTF-8, else null. */
    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
