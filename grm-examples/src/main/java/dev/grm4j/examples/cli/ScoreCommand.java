package dev.grm4j.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code grm score}: one greedy judgement per line of a JSONL file, written as one JSON line per input
 * line, in input order, whatever happened to the line.
 */
@Command(name = "score",
        description = {
                "Scores every item of a JSONL file: one greedy judgement (principles, critique, one score per "
                        + "response) and the best response, one output line per input line, in input order.",
                "Input lines: {\"id\": \"...\", \"prompt\": \"...\", \"responses\": [\"...\", ...], \"best\": 0}"
                        + " (best, a 0-based index, is optional; other fields are ignored)."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every line was scored",
                "1:an I/O or internal error stopped the run",
                "2:usage error",
                "3:the run completed, but some lines failed or were invalid"})
final class ScoreCommand implements Callable<Integer> {

    /** Far above what one server can take; a larger value is more likely a typo than a plan. */
    static final int MAX_CONCURRENCY = 1024;

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private GrmCli parent;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--in", required = true, paramLabel = "FILE.jsonl", description = "The items to score.")
    private Path in;

    @Option(names = "--out", paramLabel = "FILE.jsonl", description = "Where to write results; standard output if absent.")
    private Path out;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8",
            description = "Most items judged at once (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Mixin
    private BackendOptions backend;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        checkFiles(command);
        Judge judge = backend.open(command, parent.environment());
        BenchmarkItem.Parser parser = BenchmarkItem.parser(judge.maxResponses());
        JudgementJson json = new JudgementJson(judge::redact);
        RunSummary summary = new RunSummary();
        PrintWriter err = command.getErr();
        try (JsonlLines lines = JsonlLines.open(in); JsonlWriter writer = openOutput(command)) {
            OrderedWindow<ItemResult> window = new OrderedWindow<>(concurrency, result -> {
                writer.writeLine(json.write(result));
                summary.record(result);
            });
            for (JsonlLines.Line line = lines.next(); line != null; line = lines.next()) {
                BenchmarkItem item;
                try {
                    item = parser.parse(line);
                } catch (BenchmarkItem.InvalidItemException e) {
                    window.submitDone(e.toResult());
                    continue;
                }
                window.submit(() -> judge.score(item));
            }
            window.finish();
        } catch (IOException e) {
            err.println("error: " + judge.redact(String.valueOf(e.getMessage())) + " (after " + summary.lines()
                    + " lines written)");
            err.flush();
            return GrmCli.EXIT_FAILED;
        }
        err.println(summary.describe());
        err.flush();
        return summary.allScored() ? GrmCli.EXIT_OK : GrmCli.EXIT_PARTIAL;
    }

    private void checkFiles(CommandLine command) {
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new ParameterException(command,
                    "--concurrency must be in 1.." + MAX_CONCURRENCY + ", was " + concurrency);
        }
        if (!Files.exists(in)) {
            throw new ParameterException(command, "--in: file not found: " + in);
        }
        if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
            throw new ParameterException(command, "--in: not a readable file: " + in);
        }
        if (out != null) {
            Path parentDir = out.toAbsolutePath().getParent();
            if (parentDir != null && !Files.isDirectory(parentDir)) {
                throw new ParameterException(command, "--out: directory not found: " + parentDir);
            }
            if (Files.isDirectory(out)) {
                throw new ParameterException(command, "--out: is a directory: " + out);
            }
            if (sameFile(in, out)) {
                throw new ParameterException(command, "--out names the same file as --in; it would be overwritten: " + out);
            }
        }
    }

    private JsonlWriter openOutput(CommandLine command) throws IOException {
        if (out == null) {
            return JsonlWriter.to(command.getOut());
        }
        try {
            return JsonlWriter.create(out);
        } catch (IOException e) {
            throw new ParameterException(command, "--out: cannot write " + out + ": " + e.getMessage());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
