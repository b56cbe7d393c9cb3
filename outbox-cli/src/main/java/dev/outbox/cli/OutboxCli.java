package dev.outbox.cli;

import dev.outbox.OutboxConfigurationException;
import dev.outbox.OutboxException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code outbox}: the operator's command line for an outbox database. Exit codes: {@value #OK} done;
 * {@value #FAILED} the database refused or could not be reached; {@value #USAGE} a bad command, option or value
 * (the message names it); {@value #SCHEMA_INCOMPLETE} {@code schema verify} found tables or columns missing;
 * {@value #NOT_CONFIRMED} a replay or purge was not confirmed; {@value #PARTIAL} a replay skipped some dead letters
 * (listed).
 *
 * <p>A command-line program: one run per process.
 */
@Command(name = "outbox", mixinStandardHelpOptions = true, versionProvider = OutboxCli.Version.class,
        description = "Operate an outbox: schema, statistics, dead letters.",
        subcommands = {SchemaCommand.class, StatsCommand.class, DeadLettersCommand.class},
        footer = {"", "Exit codes: 0 done, 1 database failure, 2 bad usage, 3 schema incomplete, 4 not confirmed, "
                + "5 replay skipped some dead letters."})
public final class OutboxCli implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int SCHEMA_INCOMPLETE = 3;
    public static final int NOT_CONFIRMED = 4;
    public static final int PARTIAL = 5;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new OutboxCli());
        cli.setExecutionExceptionHandler(OutboxCli::failed);
        cli.setParameterExceptionHandler(OutboxCli::misused);
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: use schema, stats or "
                + "dead-letters (outbox --help lists them)");
    }

    /** A bad command line: the message names the option and the fix; the full usage is one --help away. */
    private static int misused(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr().println("error: " + e.getMessage());
        cli.getErr().println("see: " + cli.getCommandSpec().qualifiedName() + " --help");
        return USAGE;
    }

    private static int failed(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof CommandLine.ParameterException usage) {
            return misused(usage, new String[0]);
        }
        if (e instanceof OutboxConfigurationException || e instanceof OutboxException || e instanceof CliException) {
            err.println("error: " + e.getMessage());
            return e instanceof CliException cliError ? cliError.exitCode() : FAILED;
        }
        err.println("error: " + e);
        return FAILED;
    }

    /** A failure the command explains itself, with its exit code. */
    static final class CliException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        CliException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = OutboxCli.class.getPackage().getImplementationVersion();
            return new String[] {"outbox " + (version == null ? "(development build)" : version)};
        }
    }
}
