package dev.outbox.cli;

import dev.outbox.OutboxConfigurationException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code outbox schema print|create|verify}. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "print: the schema scripts for this database and table names; create: create or upgrade the "
                + "tables (idempotent); verify: name every missing table or column (exit 3 when any).")
final class SchemaCommand implements Callable<Integer> {
    enum Action { print, create, verify }

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions db;

    @Parameters(index = "0", paramLabel = "ACTION", description = "print, create or verify")
    Action action;

    @Override
    public Integer call() {
        switch (action) {
            case print -> spec.commandLine().getOut().println(db.outbox().schema().script());
            case create -> {
                db.outbox().schema().create();
                spec.commandLine().getOut().println("schema created or already up to date");
            }
            default -> {
                try {
                    db.outbox().schema().verify();
                } catch (OutboxConfigurationException incomplete) {
                    throw new OutboxCli.CliException(OutboxCli.SCHEMA_INCOMPLETE, incomplete.getMessage());
                }
                spec.commandLine().getOut().println("schema complete");
            }
        }
        return OutboxCli.OK;
    }
}
