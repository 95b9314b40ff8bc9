package dev.grm4j.examples.cli;

import dev.grm4j.examples.bench.BenchCommand;
import dev.grm4j.examples.bench.SimServerCommand;
import dev.grm4j.examples.eval.EvalCommand;
import dev.grm4j.examples.llama.ModelsCommand;
import dev.grm4j.examples.options.Environment;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.score.ScoreCommand;
import dev.grm4j.examples.serve.ServeCommand;
import dev.grm4j.examples.train.RftCommand;
import dev.grm4j.examples.train.TrainMetaRmCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code grm} command: generative reward modeling from the command line.
 *
 * <p>Tests run it in-process with {@code new CommandLine(new GrmCli()).execute(args)}; only
 * {@link #main(String[])} exits the JVM.
 */
@Command(name = "grm",
        description = "Generative reward modeling (DeepSeek-GRM): principles, a critique and one score per response.",
        subcommands = {ScoreCommand.class, EvalCommand.class, BenchCommand.class, SimServerCommand.class, ServeCommand.class, RftCommand.class, TrainMetaRmCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class},
        versionProvider = GrmCli.Version.class,
        footer = {"", "Exit codes: 0 done; 2 usage error; 3 partial (some lines invalid or some votes failed); "
                + "4 the judge cannot be reached. Each command's --help says what its codes mean for it."},
        usageHelpAutoWidth = true)
public final class GrmCli implements Runnable, Environment {

    @CommandLine.Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    private boolean version;

    private final Function<String, String> environment;

    @Spec
    private CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help;

    public GrmCli() {
        this(System::getenv);
    }

    /** Environment lookups go through here, so tests can supply an API key without touching the real one. */
    public GrmCli(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    @Override
    public Function<String, String> environment() {
        return environment;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: try 'grm score --help'");
    }

    public static void main(String[] args) {
        // The simulated judge's loopback server (and later grm serve) runs on the JDK's HTTP server,
        // which otherwise holds every response ~40 ms for a delayed ACK. Read once, at first use.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        CommandLine cli = commandLine(new GrmCli());
        // JSON lines are UTF-8 whatever the platform's default charset.
        cli.setOut(utf8(FileDescriptor.out));
        cli.setErr(utf8(FileDescriptor.err));
        int code = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        // Explicit: a native backend (llama.cpp) keeps a non-daemon thread that would stop the JVM from exiting.
        System.exit(code);
    }

    /**
     * The command line as {@code grm} runs it: a usage error prints what is wrong, the closest names for
     * a mistyped command or option, and where the help is, never the whole usage text, which would bury
     * that line.
     */
    public static CommandLine commandLine(GrmCli grm) {
        CommandLine cli = new CommandLine(grm);
        wrapSynopsisAtSpaces(cli);
        cli.setParameterExceptionHandler((error, arguments) -> {
            PrintWriter err = error.getCommandLine().getErr();
            err.println("error: " + error.getMessage());
            if (error instanceof CommandLine.UnmatchedArgumentException unmatched) {
                CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, err);
            }
            CommandLine failed = error.getCommandLine();
            err.println("run '" + (failed.getParent() == null ? "grm" : "grm " + failed.getCommandName())
                    + " --help' for the options");
            return ExitCode.USAGE;
        });
        return cli;
    }

    /**
     * picocli wraps the synopsis where a line break may fall in prose, after a dot or a colon too, which
     * cuts {@code --in=FILE.jsonl} in two; this renders it whole and wraps it at spaces only.
     */
    private static void wrapSynopsisAtSpaces(CommandLine cli) {
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, help -> {
            CommandLine.Model.UsageMessageSpec usage = help.commandSpec().usageMessage();
            int width = usage.width();
            String whole;
            try {
                usage.width(10_000);
                whole = new CommandLine.Help(help.commandSpec(), help.colorScheme()).synopsis(0).strip();
            } finally {
                usage.width(width);
            }
            String prefix = "Usage: " + help.commandSpec().qualifiedName() + " ";
            String indent = " ".repeat(Math.min(prefix.length(), width / 2));
            StringBuilder text = new StringBuilder();
            StringBuilder line = new StringBuilder();
            for (String word : whole.split(" +")) {
                if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                    text.append(line).append(System.lineSeparator());
                    line.setLength(0);
                    line.append(indent);
                }
                if (line.length() > 0 && !line.toString().isBlank()) {
                    line.append(' ');
                }
                line.append(word);
            }
            return text.append(line).append(System.lineSeparator()).toString();
        });
        cli.getSubcommands().values().forEach(GrmCli::wrapSynopsisAtSpaces);
    }

    /** The version written into the build ({@code version.properties}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties properties = new java.util.Properties();
            try (java.io.InputStream in = GrmCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"grm " + properties.getProperty("version", "(version unknown: not built by Maven)")
                    + " (grm4j; Java " + System.getProperty("java.version") + ")"};
        }
    }

    private static PrintWriter utf8(FileDescriptor descriptor) {
        return new PrintWriter(new OutputStreamWriter(new FileOutputStream(descriptor), StandardCharsets.UTF_8), true);
    }
}
