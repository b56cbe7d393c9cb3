package dev.outbox.cli;

import dev.outbox.DeadLetterFilter;
import dev.outbox.DeadLetterGroup;
import dev.outbox.DestinationStats;
import dev.outbox.Outbox;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code outbox stats}: pending messages by destination, dead letters by origin and error class. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Pending messages by destination (available now, waiting for a delay or a retry, failed at "
                + "least once, oldest age) and dead letters by origin and error class.")
final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions db;

    @Option(names = "--json", description = "JSON instead of tables")
    boolean json;

    @Override
    public Integer call() {
        Outbox outbox = db.outbox();
        List<DestinationStats> pending = outbox.admin().pendingByDestination();
        List<DeadLetterGroup> dead = outbox.admin().deadLetterGroups(DeadLetterFilter.all());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("pending", pending.stream().map(p -> Map.of("destination", p.destination(), "pending",
                    p.pending(), "availableNow", p.availableNow(), "waiting", p.waiting(), "retrying",
                    p.retrying(), "oldestPendingAgeSeconds", p.oldestPendingAge().toSeconds())).toList());
            body.put("deadLetters", dead.stream().map(g -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("origin", g.origin());
                m.put("errorClass", g.errorClass());
                m.put("count", g.count());
                m.put("firstFailedAt", String.valueOf(g.firstFailedAt()));
                m.put("lastFailedAt", String.valueOf(g.lastFailedAt()));
                return m;
            }).toList());
            Output.json(out, body);
            return OutboxCli.OK;
        }
        long total = pending.stream().mapToLong(DestinationStats::pending).sum();
        out.printf("Pending: %,d message(s) in %s%n", total, outbox.tables().message());
        if (!pending.isEmpty()) {
            Output.table(out, List.of("DESTINATION", "PENDING", "AVAILABLE", "WAITING", "RETRYING", "OLDEST"),
                    pending.stream().map(p -> List.of(p.destination(), String.format("%,d", p.pending()),
                            String.format("%,d", p.availableNow()), String.format("%,d", p.waiting()),
                            String.format("%,d", p.retrying()), Durations.compact(p.oldestPendingAge()))).toList(),
                    60);
        }
        long deadTotal = dead.stream().mapToLong(DeadLetterGroup::count).sum();
        out.printf("%nDead letters: %,d in %s%n", deadTotal, outbox.tables().deadLetter());
        if (!dead.isEmpty()) {
            Output.table(out, List.of("ORIGIN", "ERROR CLASS", "COUNT", "FIRST FAILED", "LAST FAILED"),
                    dead.stream().map(g -> List.of(g.origin(), Objects.toString(g.errorClass(), "-"),
                            String.format("%,d", g.count()), String.valueOf(g.firstFailedAt()),
                            String.valueOf(g.lastFailedAt()))).toList(), 60);
        }
        out.println();
        out.println("Messages being published right now count as pending: their rows are locked by the relays.");
        return OutboxCli.OK;
    }
}
