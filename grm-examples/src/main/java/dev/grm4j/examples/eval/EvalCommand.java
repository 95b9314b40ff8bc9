package dev.grm4j.examples.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.Judge;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.options.BackendOptions;
import dev.grm4j.examples.options.Environment;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.options.ItemDeadline;
import dev.grm4j.examples.options.Limits;
import dev.grm4j.examples.report.EvalReport;
import dev.grm4j.metarm.LogisticMetaRm;
import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.metarm.MetaRewardModel;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryWriter;
import dev.grm4j.principles.PrincipleStrategy;
import dev.grm4j.principles.PrincipledGrm;
import dev.grm4j.voting.VotingGrm;
import dev.grm4j.voting.VotingGrm.Adaptive;
import dev.grm4j.voting.VotingGrm.Shuffle;
import dev.grm4j.examples.options.Modes;
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
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code grm eval}: accuracy of Voting@k on a benchmark file with ground truth, for several k at once,
 * overall, per subset and per position of the true best response; optionally with shuffling on and
 * off, to show what shuffling does to a judge's position bias; optionally MetaRM@k beside Voting@k on
 * the same samples ({@code --meta}), recording every sample for meta RM training ({@code --record}),
 * and with the principles from a chosen strategy ({@code --principles}); optionally writing an HTML and
 * Markdown report of it all ({@code --report}).
 */
@Command(name = "eval",
        description = {
                "Measures accuracy on a benchmark JSONL file with ground truth: each item is voted once at the "
                        + "largest k, and Voting@k for each smaller k is the vote over the first k of those "
                        + "samples (quorum k/2+1). An item is right when the best response after the seeded "
                        + "tie-break is the file's 'best'; a failed vote counts as wrong and is reported.",
                "The last line of standard output is one JSON object: "
                        + "{\"accuracy\": {\"1\": a1, ...}, \"items\": n} (accuracies as fractions); with --meta, "
                        + "MetaRM@k beside each k: {\"accuracy\": {\"8\": v8, \"meta@8\": m8, ...}, \"items\": n}.",
                "--meta: the meta RM rates the very samples Voting@k used and only the top ceil(k/2) vote "
                        + "(a paired comparison); a request whose meta RM fails is left to the plain vote and "
                        + "counted as a fallback.",
                "--record: every sample of the largest k, failed ones included, one JSON line each with "
                        + "its label (paper Eq. 10): the input of grm train-metarm.",
                "--report DIR: writes DIR/report.html (self-contained: inline CSS and SVG chart) and "
                        + "DIR/report.md with the same figures, a few example judgements and their vote "
                        + "records; the path of report.html goes to standard error.",
                "Input lines: {\"id\": ..., \"source\": ..., \"subset\": ..., \"prompt\": ..., "
                        + "\"responses\": [...], \"best\": 0}."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every line was evaluated (failed votes included: they count as wrong) and the judge "
                        + "answered every vote",
                "1:an I/O or internal error stopped the run",
                "2:usage error (also: --record names an existing file, without --force)",
                "3:some lines were skipped (invalid, or without 'best'), or some votes failed for backend "
                        + "errors (the judge did not answer them)",
                "4:the judge is unreachable (connection refused, unknown host, HTTP 401/403/404, or "
                        + JudgeWatch.CONSECUTIVE_FAILURES + " samples in a row failed by the backend): the run "
                        + "stopped early, printing no figures; the --record file holds the items voted before, "
                        + "as valid JSONL"})
public final class EvalCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What strategies other than {@code once} get for a backend: they never call it. */
    private static final LlmBackend NO_BACKEND = new LlmBackend() {
        @Override
        public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
            throw new IllegalStateException("this principle strategy makes no model call");
        }

        @Override
        public String modelName() {
            return "none";
        }
    };

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Environment parent;

    @Mixin
    private HelpOption help;

    @Option(names = "--in", required = true, paramLabel = "FILE.jsonl", description = "The benchmark items.")
    private Path in;

    @Option(names = "--k", split = ",", paramLabel = "K", defaultValue = "1,4,8,32",
            description = "The sample counts to report, comma-separated (default: ${DEFAULT-VALUE}).")
    private List<Integer> ks;

    @Option(names = "--shuffle", paramLabel = "balanced|random|off|both", defaultValue = "balanced",
            description = "The orders the samples show the responses in: balanced (every response at every "
                    + "position equally often), random (a fresh shuffle per sample, as the paper), off (the "
                    + "file's order); both runs the file twice, balanced and off, with the same seeds; on is "
                    + "balanced (default: ${DEFAULT-VALUE}).")
    private String shuffle;

    @Option(names = "--adaptive", paramLabel = "off|exact|auto", defaultValue = "off",
            description = "Stop sampling once the vote is settled: " + Modes.ADAPTIVE_WORDS + "; each k is "
                    + "then the rule at that budget (default: ${DEFAULT-VALUE}, so that Voting@k is measured).")
    private String adaptive;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "64",
            description = "Most judge calls in flight at once (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Evaluate only N lines (after --offset); 0 for all (default: ${DEFAULT-VALUE}).")
    private int limit;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0",
            description = "Skip the first N lines, e.g. to evaluate on the half of a file a meta RM was not "
                    + "trained on (default: ${DEFAULT-VALUE}).")
    private int offset;

    @Option(names = "--record", paramLabel = "FILE.jsonl",
            description = "Write every sampled judgement with its label (paper Eq. 10), one JSON line each: "
                    + "the input of grm train-metarm. With --shuffle both, the shuffled pass is recorded. "
                    + "An existing file is kept unless --force.")
    private Path record;

    @Option(names = "--meta", paramLabel = "MODEL.json",
            description = "A meta RM written by grm train-metarm: reports MetaRM@k beside Voting@k, on the "
                    + "same samples.")
    private Path meta;

    @Option(names = "--principles", paramLabel = "self|once|preset:NAME|file:PATH", defaultValue = "self",
            description = "Where the principles come from: self (the judge writes them, the paper's default), "
                    + "once (one separate call per prompt, shared by its k samples), preset:NAME ("
                    + "coding, general, math, safety, writing) or file:PATH (default: ${DEFAULT-VALUE}).")
    private String principles;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Write report.html (one self-contained page: accuracy per k, subset and position, "
                    + "the scaling curve, example judgements, reproducibility record) and report.md (the same "
                    + "figures) into DIR, creating it if needed.")
    private Path report;

    /** Items whose judgements and vote records the report shows. */
    static final int REPORT_EXAMPLES = 3;

    @Option(names = "--force", description = "Let --record overwrite an existing file.")
    private boolean force;

    @Mixin
    private BackendOptions backend;

    @Mixin
    private ItemDeadline deadline;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        List<Integer> sortedKs = checkOptions(command);
        List<Shuffle> passes = switch (shuffle.strip().toLowerCase(Locale.ROOT)) {
            case "balanced", "on" -> List.of(Shuffle.BALANCED);
            case "random" -> List.of(Shuffle.RANDOM);
            case "off" -> List.of(Shuffle.OFF);
            case "both" -> List.of(Shuffle.BALANCED, Shuffle.OFF);
            default -> throw new ParameterException(command,
                    "--shuffle must be balanced, random, off or both, was '" + shuffle + "'");
        };
        Adaptive mode = Modes.adaptive(command, adaptive);
        MetaRewardModel metaRm = meta == null ? null : loadMeta(command);
        // A misspelt preset is reported before a model is loaded; only 'once' needs the judge's backend.
        boolean once = principles.strip().equalsIgnoreCase("once");
        PrincipleStrategy strategy = once ? null : strategy(command, NO_BACKEND);
        Duration itemDeadline = deadline.get(command);
        JudgeWatch watch = new JudgeWatch();
        Judge judge = backend.open(command, parent.environment(), watch);
        EvalSimulator simulator = backend.backend == BackendOptions.BackendKind.SIMULATED ? simulator() : null;
        if (once) {
            strategy = strategy(command, simulator != null ? simulator : backend.llm());
        }
        PointwiseGrm grm = PrincipledGrm.of(simulator != null ? PointwiseGrm.builder(simulator).build() : judge.grm(),
                strategy);
        BenchmarkItem.Parser parser = BenchmarkItem.parser(grm.maxResponses());
        PrintWriter out = command.getOut();

        TrajectoryWriter recorder = null;
        if (record != null) {
            try {
                recorder = TrajectoryWriter.create(record);
            } catch (IOException e) {
                command.getErr().println("error: --record: cannot write " + record + ": " + e.getMessage());
                command.getErr().flush();
                return ExitCode.FAILED;
            }
        }
        try {
            return run(command, passes, mode, sortedKs, grm, judge, simulator, metaRm, recorder, strategy, parser,
                    out, itemDeadline, watch);
        } finally {
            if (recorder != null) {
                try {
                    recorder.close();
                } catch (IOException e) {
                    command.getErr().println("error: --record: cannot close " + record + ": " + e.getMessage());
                    command.getErr().flush();
                }
            }
        }
    }

    private int run(CommandLine command, List<Shuffle> passes, Adaptive mode, List<Integer> sortedKs, PointwiseGrm grm, Judge judge,
                    EvalSimulator simulator, MetaRewardModel metaRm, TrajectoryWriter recorder,
                    PrincipleStrategy strategy, BenchmarkItem.Parser parser, PrintWriter out, Duration itemDeadline,
                    JudgeWatch watch) throws InterruptedException {
        List<EvalTally> tallies = new ArrayList<>();
        EvalRun first = null;
        for (Shuffle shuffled : passes) {
            VotingGrm voting = VotingGrm.builder(grm)
                    .k(sortedKs.get(sortedKs.size() - 1))
                    .seed(backend.seed)
                    .shuffle(shuffled)
                    .adaptive(mode)
                    .maxConcurrency(concurrency)
                    .callTimeout(backend.timeout())
                    .deadline(itemDeadline)
                    .sampling(backend.votingSampling())
                    .build();
            // Enough items in flight to keep every permit busy while one item's samples finish.
            int window = Math.max(2, 2 * concurrency / voting.k() + 1);
            long start = System.nanoTime();
            MetaGuidedVoting guided = metaRm == null ? null
                    : MetaGuidedVoting.builder(voting, metaRm).seed(backend.seed).build();
            // With --shuffle both, the shuffled pass alone is recorded: one sample set per item.
            TrajectoryWriter recording = tallies.isEmpty() ? recorder : null;
            EvalTally tally;
            // The report's examples come from the main (first) pass.
            EvalRun pass = new EvalRun(voting, sortedKs, simulator, window, guided, recording,
                    report != null && first == null ? REPORT_EXAMPLES : 0, watch);
            if (first == null) {
                first = pass;
            }
            try {
                tally = pass.run(in, offset, limit, parser);
            } catch (EvalRun.RecordFailedException e) {
                command.getErr().println("error: --record: cannot write " + record + ": " + e.getMessage());
                command.getErr().flush();
                return ExitCode.FAILED;
            } catch (IOException e) {
                command.getErr().println("error: cannot read " + in + ": " + judge.redact(e.getMessage()));
                command.getErr().flush();
                return ExitCode.FAILED;
            }
            if (watch.stopped()) {
                // No table: accuracy over the items voted before the judge went away would mislead.
                command.getErr().println(judge.redact(watch.stopMessage(tally.items()
                        + (tally.items() == 1 ? " item" : " items") + " voted"
                        + (tallies.isEmpty() ? "" : " in the second pass")
                        + (recording == null ? "" : ", their samples recorded in " + record + " (valid JSONL)"))));
                command.getErr().flush();
                return ExitCode.UNREACHABLE;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            tally.table(String.format(Locale.ROOT, "%s, shuffle %s, adaptive %s, %s, principles %s%s: %d items in %.1f s",
                    in.getFileName(), Modes.name(shuffled), adaptive.strip().toLowerCase(Locale.ROOT), grm.modelName(),
                    strategy.name(),
                    meta == null ? "" : ", meta RM " + meta.getFileName(), tally.items(), took.toMillis() / 1000.0))
                    .forEach(out::println);
            out.println(tokens(tally.tokens()));
            out.println();
            tallies.add(tally);
        }
        if (tallies.size() == 2) {
            out.println(comparison(tallies.get(0), tallies.get(1)));
        }
        out.println(principleCost(strategy, tallies));
        if (recorder != null) {
            out.println("recorded " + recorder.lines() + " samples to " + record);
        }
        out.println(json(tallies));
        out.flush();
        if (report != null) {
            EvalReport.Data data = new EvalReport.Data("grm eval: " + in.getFileName(),
                    settings(grm, strategy, sortedKs), reportPasses(passes, tallies), first.examples(),
                    first.records());
            try {
                EvalReport.write(report, data);
            } catch (IOException | UncheckedIOException e) {
                command.getErr().println("error: --report: cannot write " + report + ": " + e.getMessage());
                command.getErr().flush();
                return ExitCode.FAILED;
            }
            command.getErr().println("report: " + report.resolve(EvalReport.HTML));
            command.getErr().flush();
        }
        if (tallies.get(0).items() == 0 && tallies.get(0).skipped() == 0) {
            command.getErr().println("warning: " + in + " holds no items: nothing was evaluated, so there is no accuracy");
            command.getErr().flush();
        }
        boolean judgeFailed = tallies.stream().anyMatch(tally -> tally.backendFailures() > 0);
        return tallies.get(0).skipped() > 0 || judgeFailed ? ExitCode.PARTIAL : ExitCode.OK;
    }

    private static List<EvalReport.Pass> reportPasses(List<Shuffle> passes, List<EvalTally> tallies) {
        List<EvalReport.Pass> figures = new ArrayList<>();
        for (int i = 0; i < tallies.size(); i++) {
            figures.add(tallies.get(i).reportPass("shuffle " + Modes.name(passes.get(i))));
        }
        return figures;
    }

    /** What was run, in the report's display order: enough, with the vote records, to run it again. */
    private Map<String, String> settings(PointwiseGrm grm, PrincipleStrategy strategy, List<Integer> sortedKs) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("input", in.toString());
        if (offset > 0 || limit > 0) {
            settings.put("lines", "offset " + offset + ", limit " + (limit == 0 ? "none" : limit));
        }
        settings.put("backend", backend.backend.name().toLowerCase(Locale.ROOT));
        settings.put("model", grm.modelName());
        settings.put("template version", grm.template().version());
        settings.put("seed", Long.toString(backend.seed));
        settings.put("k", sortedKs.stream().map(String::valueOf).collect(Collectors.joining(",")));
        settings.put("shuffle", shuffle.strip().toLowerCase(Locale.ROOT));
        settings.put("adaptive", adaptive.strip().toLowerCase(Locale.ROOT));
        settings.put("max tokens", Integer.toString(backend.maxTokens));
        settings.put("temperature", Double.toString(SamplingOptions.PAPER_TEMPERATURE));
        settings.put("principles", strategy.name());
        if (meta != null) {
            settings.put("meta RM", meta.toString());
        }
        if (backend.backend == BackendOptions.BackendKind.SIMULATED) {
            settings.put("sim profile", Modes.name(backend.simProfile));
            settings.put("sim accuracy", backend.simAccuracy == null ? "the profile's" : backend.simAccuracy.toString());
            settings.put("sim position bias", Double.toString(backend.simPositionBias));
            settings.put("sim malformed rate", Double.toString(backend.simMalformedRate));
            settings.put("sim careless rate", backend.simCarelessRate == null ? "the profile's"
                    : backend.simCarelessRate.toString());
            settings.put("sim latency ms", Long.toString(backend.simLatencyMs));
        }
        return settings;
    }

    /** Loads --meta, or fails as a usage error naming the option and the file. */
    private MetaRewardModel loadMeta(CommandLine command) {
        try {
            return LogisticMetaRm.load(meta);
        } catch (NoSuchFileException e) {
            throw new ParameterException(command, "--meta: file not found: " + meta);
        } catch (IOException e) {
            throw new ParameterException(command, "--meta: cannot read " + meta + ": " + e.getMessage());
        } catch (RuntimeException e) {
            // MetaRmFormatException, and anything else a damaged file may provoke in the reader.
            throw new ParameterException(command, "--meta: " + meta + " is not a meta RM model written by "
                    + "grm train-metarm: " + e.getMessage());
        }
    }

    /** The --principles strategy, or a usage error naming the accepted forms (and the presets). */
    private PrincipleStrategy strategy(CommandLine command, LlmBackend llm) {
        try {
            return PrincipleStrategy.fromSpec(principles, llm);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new ParameterException(command, "--principles: " + e.getMessage()
                    + (e.getMessage().contains("known presets") ? "" : " (self, once, preset:NAME with NAME one of "
                    + String.join(", ", PrincipleStrategy.presetNames()) + ", or file:PATH)"));
        }
    }

    private static String tokens(TokenUsage usage) {
        return String.format(Locale.ROOT, "judge tokens: %,d (%,d in, %,d out)", usage.totalTokens(),
                usage.inputTokens(), usage.outputTokens());
    }

    /** What the principles cost beside the judge calls, so strategies can be compared run against run. */
    private static String principleCost(PrincipleStrategy strategy, List<EvalTally> tallies) {
        TokenUsage judged = tallies.stream().map(EvalTally::tokens).reduce(TokenUsage.ZERO, TokenUsage::plus);
        PrincipleStrategy.Stats stats = strategy.stats();
        TokenUsage spent = stats.tokens();
        return String.format(Locale.ROOT, "principles %s: %,d principle calls (%,d failed, %,d reused), "
                        + "principle tokens %,d (%,d in, %,d out); judge tokens %,d; total %,d",
                strategy.name(), stats.calls(), stats.failures(), stats.reused(), spent.totalTokens(),
                spent.inputTokens(), spent.outputTokens(), judged.totalTokens(),
                judged.totalTokens() + spent.totalTokens());
    }

    /**
     * The simulated judge with the command line's knobs (those {@code BackendOptions.open} reads), told the
     * truth of the items in flight only, so that memory stays flat on any file.
     */
    private EvalSimulator simulator() {
        return new EvalSimulator(backend::simulatedJudge);
    }

    private List<Integer> checkOptions(CommandLine command) {
        Limits.requireConcurrency(command, concurrency);
        if (limit < 0) {
            throw new ParameterException(command, "--limit must be >= 0, was " + limit);
        }
        if (offset < 0) {
            throw new ParameterException(command, "--offset must be >= 0, was " + offset);
        }
        for (int k : ks) {
            if (k < 1 || k > Limits.MAX_K) {
                throw new ParameterException(command, "--k values must be in 1.." + Limits.MAX_K + ", was " + k);
            }
        }
        if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
            throw new ParameterException(command, "--in: not a readable file: " + in);
        }
        if (record != null) {
            Path directory = record.toAbsolutePath().getParent();
            if (directory != null && !Files.isDirectory(directory)) {
                throw new ParameterException(command, "--record: directory not found: " + directory);
            }
            if (Files.isDirectory(record)) {
                throw new ParameterException(command, "--record: is a directory: " + record);
            }
            if (sameFile(record, in) || meta != null && sameFile(record, meta)) {
                throw new ParameterException(command, "--record names an input file; it would be overwritten: "
                        + record);
            }
            if (Files.exists(record) && !force) {
                throw new ParameterException(command, "--record: " + record + " exists; recording would "
                        + "overwrite it: add --force, or record into another file");
            }
        }
        if (report != null) {
            checkReport(command);
        }
        return List.copyOf(new TreeSet<>(ks));
    }

    /**
     * Fails early, as a usage error, when --report cannot be a writable directory: it is a file, or its
     * nearest existing ancestor is not a writable directory. Other failures surface when it is written.
     */
    private void checkReport(CommandLine command) {
        Path target = report.toAbsolutePath();
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new ParameterException(command, "--report: not a directory: " + report);
            }
            if (!Files.isWritable(target)) {
                throw new ParameterException(command, "--report: directory not writable: " + report);
            }
            return;
        }
        Path ancestor = target.getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor != null && (!Files.isDirectory(ancestor) || !Files.isWritable(ancestor))) {
            throw new ParameterException(command, "--report: cannot create " + report + ": " + ancestor
                    + (Files.isDirectory(ancestor) ? " is not writable" : " is not a directory"));
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static String comparison(EvalTally on, EvalTally off) {
        StringBuilder line = new StringBuilder("shuffle balanced vs off:");
        for (int i = 0; i < on.ks().size(); i++) {
            line.append(String.format(Locale.ROOT, " Voting@%d %s vs %s;", on.ks().get(i),
                    EvalTally.percent(on.accuracy(i)), EvalTally.percent(off.accuracy(i))));
            if (on.meta()) {
                line.append(String.format(Locale.ROOT, " MetaRM@%d %s vs %s;", on.ks().get(i),
                        EvalTally.percent(on.metaAccuracy(i)), EvalTally.percent(off.metaAccuracy(i))));
            }
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
        root.put("samples_per_item", Math.round(tallies.get(0).samplesPerItem() * 1e4) / 1e4);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
    }

    private static void accuracy(ObjectNode node, EvalTally tally) {
        for (int i = 0; i < tally.ks().size(); i++) {
            String k = Integer.toString(tally.ks().get(i));
            put(node, k, tally.accuracy(i));
            if (tally.meta()) {
                put(node, "meta@" + k, tally.metaAccuracy(i));
            }
        }
    }

    private static void put(ObjectNode node, String key, double accuracy) {
        if (Double.isNaN(accuracy)) {
            node.putNull(key);
        } else {
            // Four decimals: finer than one item in 10,000, and short enough to read.
            node.put(key, Math.round(accuracy * 10_000) / 10_000.0);
        }
    }
}
