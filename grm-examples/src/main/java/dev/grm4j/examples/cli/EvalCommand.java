package dev.grm4j.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.simulated.SimulatedJudge;
import dev.grm4j.voting.VotingGrm;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code grm eval}: accuracy of Voting@k on a benchmark file with ground truth, for several k at once,
 * overall, per subset and per position of the true best response; optionally with shuffling on and
 * off, to show what shuffling does to a judge's position bias.
 */
@Command(name = "eval",
        description = {
                "Measures accuracy on a benchmark JSONL file with ground truth: each item is voted once at the "
                        + "largest k, and Voting@k for each smaller k is the vote over the first k of those "
                        + "samples (quorum k/2+1). An item is right when the best response after the seeded "
                        + "tie-break is the file's 'best'; a failed vote counts as wrong and is reported.",
                "The last line of standard output is one JSON object: "
                        + "{\"accuracy\": {\"1\": a1, ...}, \"items\": n} (accuracies as fractions).",
                "Input lines: {\"id\": ..., \"source\": ..., \"subset\": ..., \"prompt\": ..., "
                        + "\"responses\": [...], \"best\": 0}."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every line was evaluated (failed votes included: they count as wrong)",
                "1:an I/O or internal error stopped the run",
                "2:usage error",
                "3:some lines were skipped (invalid, or without 'best')"})
final class EvalCommand implements Callable<Integer> {

    /** k beyond this is more likely a typo than a plan: the paper stops at 32. */
    static final int MAX_K = 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private GrmCli parent;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--in", required = true, paramLabel = "FILE.jsonl", description = "The benchmark items.")
    private Path in;

    @Option(names = "--k", split = ",", paramLabel = "K", defaultValue = "1,4,8,32",
            description = "The sample counts to report, comma-separated (default: ${DEFAULT-VALUE}).")
    private List<Integer> ks;

    @Option(names = "--shuffle", paramLabel = "on|off|both", defaultValue = "on",
            description = "Whether each sample shows the responses in its own random order; both runs the "
                    + "file twice, on and off, with the same seeds (default: ${DEFAULT-VALUE}).")
    private String shuffle;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "64",
            description = "Most judge calls in flight at once (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Evaluate only the first N lines; 0 for all (default: ${DEFAULT-VALUE}).")
    private int limit;

    @Mixin
    private BackendOptions backend;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        List<Integer> sortedKs = checkOptions(command);
        List<Boolean> passes = switch (shuffle.strip().toLowerCase(Locale.ROOT)) {
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            case "both" -> List.of(true, false);
            default -> throw new ParameterException(command,
                    "--shuffle must be on, off or both, was '" + shuffle + "'");
        };
        Judge judge = backend.open(command, parent.environment());
        EvalSimulator simulator = backend.backend == BackendOptions.BackendKind.SIMULATED ? simulator() : null;
        PointwiseGrm grm = simulator != null ? PointwiseGrm.builder(simulator).build() : judge.grm();
        BenchmarkItem.Parser parser = BenchmarkItem.parser(grm.maxResponses());
        PrintWriter out = command.getOut();

        List<EvalTally> tallies = new ArrayList<>();
        for (boolean shuffled : passes) {
            VotingGrm voting = VotingGrm.builder(grm)
                    .k(sortedKs.get(sortedKs.size() - 1))
                    .seed(backend.seed)
                    .shuffle(shuffled)
                    .maxConcurrency(concurrency)
                    .sampling(SamplingOptions.sampled(SamplingOptions.PAPER_TEMPERATURE)
                            .withMaxOutputTokens(backend.maxTokens))
                    .build();
            // Enough items in flight to keep every permit busy while one item's samples finish.
            int window = Math.max(2, 2 * concurrency / voting.k() + 1);
            long start = System.nanoTime();
            EvalTally tally;
            try {
                tally = new EvalRun(voting, sortedKs, simulator, window).run(in, limit, parser);
            } catch (IOException e) {
                command.getErr().println("error: cannot read " + in + ": " + judge.redact(e.getMessage()));
                command.getErr().flush();
                return GrmCli.EXIT_FAILED;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            tally.table(String.format(Locale.ROOT, "%s, shuffle %s, %s: %d items in %.1f s", in.getFileName(),
                    shuffled ? "on" : "off", grm.modelName(), tally.items(), took.toMillis() / 1000.0))
                    .forEach(out::println);
            out.println();
            tallies.add(tally);
        }
        if (tallies.size() == 2) {
            out.println(comparison(tallies.get(0), tallies.get(1)));
        }
        out.println(json(tallies));
        out.flush();
        return tallies.get(0).skipped() > 0 ? GrmCli.EXIT_PARTIAL : GrmCli.EXIT_OK;
    }

    /**
     * The simulated judge with the command line's knobs (those {@code BackendOptions.open} reads), told the
     * truth of the items in flight only, so that memory stays flat on any file.
     */
    private EvalSimulator simulator() {
        return new EvalSimulator(() -> SimulatedJudge.builder()
                .accuracy(backend.simAccuracy)
                .positionBias(backend.simPositionBias)
                .malformedRate(backend.simMalformedRate)
                .carelessRate(backend.simCarelessRate)
                .latency(Duration.ofMillis(backend.simLatencyMs))
                .seed(backend.seed));
    }

    private List<Integer> checkOptions(CommandLine command) {
        if (concurrency < 1 || concurrency > ScoreCommand.MAX_CONCURRENCY) {
            throw new ParameterException(command,
                    "--concurrency must be in 1.." + ScoreCommand.MAX_CONCURRENCY + ", was " + concurrency);
        }
        if (limit < 0) {
            throw new ParameterException(command, "--limit must be >= 0, was " + limit);
        }
        for (int k : ks) {
            if (k < 1 || k > MAX_K) {
                throw new ParameterException(command, "--k values must be in 1.." + MAX_K + ", was " + k);
            }
        }
        if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
            throw new ParameterException(command, "--in: not a readable file: " + in);
        }
        return List.copyOf(new TreeSet<>(ks));
    }

    private static String comparison(EvalTally on, EvalTally off) {
        StringBuilder line = new StringBuilder("shuffle on vs off:");
        for (int i = 0; i < on.ks().size(); i++) {
            line.append(String.format(Locale.ROOT, " Voting@%d %.1f%% vs %.1f%%;", on.ks().get(i),
                    100 * on.accuracy(i), 100 * off.accuracy(i)));
        }
        return line.substring(0, line.length() - 1);
    }

    /** The last line: accuracy per k of the first pass, and of the unshuffled pass when there were two. */
    private static String json(List<EvalTally> tallies) {
        ObjectNode root = JSON.createObjectNode();
        accuracy(root.putObject("accuracy"), tallies.get(0));
        if (tallies.size() == 2) {
            accuracy(root.putObject("accuracy_no_shuffle"), tallies.get(1));
        }
        root.put("items", tallies.get(0).items());
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
    }

    private static void accuracy(ObjectNode node, EvalTally tally) {
        for (int i = 0; i < tally.ks().size(); i++) {
            double accuracy = tally.accuracy(i);
            String k = Integer.toString(tally.ks().get(i));
            if (Double.isNaN(accuracy)) {
                node.putNull(k);
            } else {
                // Four decimals: finer than one item in 10,000, and short enough to read.
                node.put(k, Math.round(accuracy * 10_000) / 10_000.0);
            }
        }
    }
}
