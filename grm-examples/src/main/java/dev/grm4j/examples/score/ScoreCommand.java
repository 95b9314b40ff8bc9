package dev.grm4j.examples.score;

import dev.grm4j.core.Ticker;
import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.HeldFailures;
import dev.grm4j.examples.batch.ItemResult;
import dev.grm4j.examples.batch.JsonlLines;
import dev.grm4j.examples.batch.JsonlWriter;
import dev.grm4j.examples.batch.Judge;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.batch.JudgementJson;
import dev.grm4j.examples.batch.OrderedWindow;
import dev.grm4j.examples.batch.ResumeScan;
import dev.grm4j.examples.batch.RunSummary;
import dev.grm4j.examples.llama.LlamaOptions;
import dev.grm4j.examples.options.Environment;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.terminal.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code grm score}: one greedy judgement per line of a JSONL file, written as one JSON line per input
 * line, in input order, whatever happened to the line.
 *
 * <p><b>Interrupted runs.</b> Lines are written in input order, each in one write ({@link JsonlWriter}),
 * so a killed run leaves the results of the first N input lines and at most one line cut short.
 * {@code --resume} keeps those N lines after checking that line i of the output has the id of line i of
 * the input ({@link ResumeScan}), drops the cut line, and scores lines N+1 onwards; the finished file is
 * the one an uninterrupted run would have written, line for line. Because the match is by position,
 * repeated ids in the input need no special rule: each input line gets its own output line, as always.
 *
 * <p><b>A judge that is not there.</b> When the {@link JudgeWatch} finds the judge unreachable, the run
 * stops (exit code 4) and writes none of the failures that led to the stop ({@link HeldFailures}): the
 * file ends with the last line the judge really answered, and {@code --resume} continues from there.
 */
@Command(name = "score",
        description = {
                "Scores every item of a JSONL file: one greedy judgement (principles, critique, one score per "
                        + "response) and the best response, one output line per input line, in input order. "
                        + "With --k K above 1, a vote of K sampled judgements instead (the summed scores, the best "
                        + "response, the samples run), stopping early as --adaptive says.",
                "Input lines: {\"id\": \"...\", \"prompt\": \"...\", \"responses\": [\"...\", ...], \"best\": 0}"
                        + " (best, a 0-based index, is optional; other fields are ignored).",
                "Each output line is written whole, in one write, as soon as the lines before it are: a run "
                        + "that is killed loses only the lines in flight, and --resume continues it.",
                "Each call is retried (4 attempts, backoff from 0.5 s, never sooner than the server's "
                        + "Retry-After) within --timeout per call and --deadline per item. A judge that is "
                        + "unreachable (connection refused, unknown host, HTTP 401/403/404, or "
                        + JudgeWatch.CONSECUTIVE_FAILURES + " items in a row failed by the backend) stops the run "
                        + "with exit code 4; the failures that led to the stop are not written, so --resume "
                        + "judges them again."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every line was scored",
                "1:an I/O or internal error stopped the run",
                "2:usage error, or --resume found an --out that does not continue --in",
                "3:the run completed, but some lines failed or were invalid (with --resume: in the whole file)",
                "4:the judge is unreachable (connection refused, unknown host, HTTP 401/403/404, or "
                        + JudgeWatch.CONSECUTIVE_FAILURES + " items in a row failed by the backend): the run stopped "
                        + "early; the lines written are valid and --resume continues after them"})
public final class ScoreCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Environment parent;

    @Mixin
    private HelpOption help;

    @Option(names = "--in", required = true, paramLabel = "FILE.jsonl", description = "The items to score.")
    private Path in;

    @Option(names = "--out", paramLabel = "FILE.jsonl", description = "Where to write results; standard output if absent.")
    private Path out;

    @Option(names = "--resume",
            description = "Continue an interrupted run: keep the lines already in --out (they must be the "
                    + "results of the first lines of --in, in order; a last line cut short is dropped) and score "
                    + "only the rest. Without an --out file yet, a fresh run.")
    private boolean resume;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress bar (done/total, items/s, ETA) on standard error. "
                    + "Default: only when standard error is a terminal.")
    private Boolean progress;

    @Mixin
    private ScoreOptions judging;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        checkFiles(command);
        JudgeWatch watch = new JudgeWatch();
        ItemScorer scorer = judging.open(command, parent.environment(), watch, judging.concurrency());
        Judge judge = scorer.judge();
        BenchmarkItem.Parser parser = BenchmarkItem.parser(judge.maxResponses());
        JudgementJson json = new JudgementJson(judge::redact);
        RunSummary summary = new RunSummary();
        PrintWriter err = command.getErr();
        ProgressBar bar = ProgressBar.off();
        try (JsonlLines lines = JsonlLines.open(in);
             JsonlWriter writer = openOutput(command, lines, parser, summary)) {
            bar = progressBar(err, summary.resumed());
            ProgressBar shown = bar;
            HeldFailures output = new HeldFailures(watch, (result, line) -> {
                writer.writeLine(line);
                summary.record(result);
            });
            OrderedWindow<ItemResult> window = new OrderedWindow<>(judging.concurrency(), result -> {
                output.accept(result, json.write(result));
                shown.advance();
            });
            for (JsonlLines.Line line = lines.next(); line != null && !watch.stopped(); line = lines.next()) {
                BenchmarkItem item;
                try {
                    item = parser.parse(line);
                } catch (BenchmarkItem.InvalidItemException e) {
                    window.submitDone(e.toResult());
                    continue;
                }
                window.submit(() -> scorer.score(item));
            }
            window.finish();
            output.finish();
        } catch (IOException e) {
            bar.finish();
            err.println("error: " + judge.redact(String.valueOf(e.getMessage())) + " (after " + summary.lines()
                    + " lines written)");
            err.flush();
            return ExitCode.FAILED;
        }
        bar.finish();
        if (watch.stopped()) {
            err.println(judge.redact(watch.stopMessage(summary.lines() + (summary.lines() == 1 ? " line" : " lines")
                    + " written" + (out == null ? "" : " to " + out + ", --resume continues from line "
                    + (summary.lines() + 1)))));
            err.flush();
            return ExitCode.UNREACHABLE;
        }
        err.println(summary.describe());
        if (summary.lines() == 0) {
            err.println("warning: the input held no lines: nothing was scored");
        }
        err.flush();
        return summary.allScored() ? ExitCode.OK : ExitCode.PARTIAL;
    }

    private void checkFiles(CommandLine command) {
        judging.check(command, parent.environment());
        if (!Files.exists(in)) {
            throw new ParameterException(command, "--in: file not found: " + in);
        }
        if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
            throw new ParameterException(command, "--in: not a readable file: " + in);
        }
        if (resume && out == null) {
            throw new ParameterException(command, "--resume requires --out: the file to continue");
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
            if (resume && Files.exists(out) && !Files.isRegularFile(out)) {
                throw new ParameterException(command, "--resume needs --out to be a regular file, was " + out);
            }
        }
    }

    /**
     * Opens the output. With --resume, the lines already there are checked against the input, which is
     * read past them, and counted in the summary.
     */
    private JsonlWriter openOutput(CommandLine command, JsonlLines lines, BenchmarkItem.Parser parser,
                                   RunSummary summary) {
        if (out == null) {
            return JsonlWriter.to(command.getOut());
        }
        if (!resume) {
            try {
                return JsonlWriter.create(out);
            } catch (IOException e) {
                throw new ParameterException(command, "--out: cannot write " + out + ": " + e.getMessage());
            }
        }
        ResumeScan scan = new ResumeScan(lines, parser, summary, out.toString(), in.toString());
        JsonlWriter writer;
        try {
            writer = JsonlWriter.resume(out, scan);
        } catch (ResumeScan.MismatchException e) {
            throw new ParameterException(command, "--resume: " + e.getMessage()
                    + "; score into another --out, or leave out --resume to start over");
        } catch (IOException e) {
            throw new ParameterException(command, "--out: cannot resume " + out + ": " + e.getMessage());
        }
        if (scan.kept() > 0 || scan.droppedBytes() > 0) {
            command.getErr().println("resuming " + out + ": " + scan.kept() + (scan.kept() == 1 ? " line" : " lines")
                    + " already written" + (scan.droppedBytes() > 0
                    ? ", dropped " + scan.droppedBytes() + " bytes of an unfinished last line" : ""));
            command.getErr().flush();
        }
        return writer;
    }

    /** A bar when asked for, or by default when standard error is a terminal; counting the input costs one read. */
    private ProgressBar progressBar(PrintWriter err, int resumed) throws IOException {
        boolean show = progress != null ? progress : LlamaOptions.stderrIsTerminal();
        if (!show) {
            return ProgressBar.off();
        }
        return ProgressBar.on(err, JsonlLines.count(in), resumed, Ticker.system());
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
