package dev.grm4j.examples.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.ItemCalls;
import dev.grm4j.examples.batch.JsonlLines;
import dev.grm4j.examples.batch.JsonlWriter;
import dev.grm4j.examples.batch.Judge;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.batch.OrderedWindow;
import dev.grm4j.examples.options.BackendOptions;
import dev.grm4j.examples.options.Environment;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.options.ItemDeadline;
import dev.grm4j.examples.options.Limits;
import dev.grm4j.principles.RftSampler;
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
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code grm rft}: rejective fine-tuning data (SPCT's cold start) from a benchmark file with ground
 * truth, written as chat JSONL for SFT trainers, with one summary line of counts on standard output.
 */
@Command(name = "rft",
        description = {
                "Samples rejective fine-tuning data from a benchmark JSONL file with ground truth (DeepSeek-GRM's "
                        + "SPCT cold start): N trajectories per item, each showing the responses in its own seeded "
                        + "order; keeps the correct ones (the best response scored strictly highest), drops items "
                        + "where all N are correct (too easy). With --hinted, an item that is not too easy gets one "
                        + "more sample whose prompt names the best response; it is kept only if correct and if it "
                        + "does not mention the hint.",
                "Output (--out): one {\"messages\": [system, user, assistant]} line per kept trajectory: the exact "
                        + "prompt the judge saw (without any hint) and its output.",
                "The last line of standard output is one JSON object: {\"items\": .., \"sampled\": .., "
                        + "\"accepted\": .., \"rejected_wrong\": .., \"rejected_too_easy\": .., "
                        + "\"hinted_accepted\": .., ...}; every count but items and skipped counts trajectories.",
                "Input lines: {\"id\": ..., \"prompt\": ..., \"responses\": [...], \"best\": 0}; lines without "
                        + "'best' or with a single response are skipped."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every line was sampled and every sample got a verdict",
                "1:an I/O or internal error stopped the run",
                "2:usage error",
                "3:the run completed, but some lines were skipped or some samples got no verdict",
                "4:the judge is unreachable (connection refused, unknown host, HTTP 401/403/404, or "
                        + JudgeWatch.CONSECUTIVE_FAILURES + " calls in a row failed by the backend): the run stopped "
                        + "early, printing no summary; --out holds the trajectories of the items done before, as "
                        + "valid JSONL"})
public final class RftCommand implements Callable<Integer> {

    /** More samples per item than any recipe uses; a larger value is more likely a typo. */
    static final int MAX_N = 64;

    /** Skipped lines named on standard error; the rest are counted. */
    private static final int SKIPS_LISTED = 10;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Environment parent;

    @Mixin
    private HelpOption help;

    @Option(names = "--in", required = true, paramLabel = "BENCH.jsonl", description = "Labelled items.")
    private Path in;

    @Option(names = "--out", required = true, paramLabel = "SFT.jsonl",
            description = "Where to write the kept trajectories, in chat form (created or truncated).")
    private Path out;

    @Option(names = "--n", paramLabel = "N", defaultValue = "" + RftSampler.DEFAULT_N,
            description = "Non-hinted samples per item (default: ${DEFAULT-VALUE}, as in the paper).")
    private int n;

    @Option(names = "--hinted", description = "Add one hinted sample per item that is not too easy.")
    private boolean hinted;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "" + SamplingOptions.PAPER_TEMPERATURE,
            description = "Sampling temperature (default: ${DEFAULT-VALUE}, as in the paper).")
    private double temperature;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8",
            description = "Most items sampled at once; each has up to N calls in flight (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Mixin
    private BackendOptions backend;

    @Mixin
    private ItemDeadline deadline;

    /**
     * What became of one input line.
     *
     * @param cut whether the run had stopped for want of a judge before the item was done: its samples
     *            were cut short, so its verdicts are not the judge's
     */
    private record Done(int line, RftSampler.Result result, String skipped, boolean cut) {
    }

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        checkOptions(command);
        Duration itemDeadline = deadline.get(command);
        JudgeWatch watch = new JudgeWatch();
        Judge judge = backend.open(command, parent.environment(), watch);
        SamplingOptions sampling = SamplingOptions.sampled(temperature).withMaxOutputTokens(backend.maxTokens);
        BenchmarkItem.Parser parser = BenchmarkItem.parser(judge.maxResponses());
        RftTally tally = new RftTally();
        PrintWriter err = command.getErr();
        long[] written = new long[1];

        try (JsonlLines lines = JsonlLines.open(in); JsonlWriter writer = openOutput(command)) {
            OrderedWindow<Done> window = new OrderedWindow<>(concurrency, done -> {
                if (done.cut()) {
                    return;
                }
                if (done.skipped() != null) {
                    if (tally.skip() <= SKIPS_LISTED) {
                        err.println("skipped " + done.skipped());
                    }
                    return;
                }
                for (RftSampler.Example example : done.result().accepted()) {
                    writer.writeLine(chat(example));
                    written[0]++;
                }
                tally.add(done.result());
            });
            for (JsonlLines.Line line = lines.next(); line != null && !watch.stopped(); line = lines.next()) {
                BenchmarkItem item;
                try {
                    item = parser.parse(line);
                } catch (BenchmarkItem.InvalidItemException e) {
                    window.submitDone(new Done(line.number(), null, e.getMessage(), false));
                    continue;
                }
                String unusable = unusable(item);
                if (unusable != null) {
                    window.submitDone(new Done(item.line(), null, "line " + item.line() + ": " + unusable, false));
                    continue;
                }
                window.submit(() -> sample(item, sampling, itemDeadline, watch));
            }
            window.finish();
        } catch (IOException e) {
            err.println("error: " + judge.redact(String.valueOf(e.getMessage())));
            err.flush();
            return ExitCode.FAILED;
        }
        if (watch.stopped()) {
            err.println(judge.redact(watch.stopMessage(tally.items() + (tally.items() == 1 ? " item" : " items")
                    + " sampled, " + written[0] + " trajectories written to " + out + " (valid JSONL)")));
            err.flush();
            return ExitCode.UNREACHABLE;
        }
        if (tally.skipped() > SKIPS_LISTED) {
            err.println("skipped " + (tally.skipped() - SKIPS_LISTED) + " more lines");
        }
        err.flush();
        command.getOut().println(tally.json());
        command.getOut().flush();
        return tally.skipped() > 0 || tally.failed() > 0 ? ExitCode.PARTIAL : ExitCode.OK;
    }

    /** Samples one item through its own calls: retried, cut at the item's deadline, watched. */
    private CompletableFuture<Done> sample(BenchmarkItem item, SamplingOptions sampling, Duration itemDeadline,
                                           JudgeWatch watch) {
        ItemCalls calls = backend.itemCalls(judgeOf(item, watch), itemDeadline, watch);
        CompletableFuture<RftSampler.Result> sampled;
        try {
            sampled = sampler(calls, sampling).sampleAsync(item.request(), item.best().getAsInt());
        } catch (RuntimeException e) {
            calls.finish();
            throw e;
        }
        return sampled.whenComplete((result, failure) -> calls.finish())
                .thenApply(result -> new Done(item.line(), result, null, watch.stopped()));
    }

    /** Why an item cannot give RFT data, or null. */
    private static String unusable(BenchmarkItem item) {
        if (item.best().isEmpty()) {
            return "no 'best': RFT needs the ground truth";
        }
        if (item.request().size() < 2) {
            return "a single response: RFT needs its true score, which a benchmark line does not carry";
        }
        return null;
    }

    /**
     * The backend that judges {@code item}: the one BackendOptions opened, whatever its kind (RFT calls it
     * directly: the hinted prompt is not one a PointwiseGrm renders). The simulated judge gets each item's
     * truth in a judge of its own (same knobs and seed, so the same answers a shared one would give), so
     * memory stays flat on any file.
     */
    private LlmBackend judgeOf(BenchmarkItem item, JudgeWatch watch) {
        if (backend.backend != BackendOptions.BackendKind.SIMULATED) {
            return backend.llm();
        }
        return watch.watching(backend.simulatedJudge()
                .groundTruth(GroundTruth.create().register(item.request().responses(), item.best().getAsInt()))
                .build());
    }

    private RftSampler sampler(LlmBackend llm, SamplingOptions sampling) {
        return RftSampler.builder(llm).n(n).hinted(hinted).seed(backend.seed).sampling(sampling).build();
    }

    /** One chat line: {@code {"messages": [{"role": "system", "content": ...}, ...]}}. */
    static String chat(RftSampler.Example example) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode messages = root.putArray("messages");
        for (Message message : example.messages()) {
            messages.addObject()
                    .put("role", message.role().name().toLowerCase(Locale.ROOT))
                    .put("content", message.content());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
    }

    private void checkOptions(CommandLine command) {
        if (n < 1 || n > MAX_N) {
            throw new ParameterException(command, "--n must be in 1.." + MAX_N + ", was " + n);
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new ParameterException(command, "--temperature must be in 0..2, was " + temperature);
        }
        Limits.requireConcurrency(command, concurrency);
        if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
            throw new ParameterException(command, "--in: not a readable file: " + in);
        }
        Path parentDir = out.toAbsolutePath().getParent();
        if (parentDir != null && !Files.isDirectory(parentDir)) {
            throw new ParameterException(command, "--out: directory not found: " + parentDir);
        }
        if (Files.isDirectory(out)) {
            throw new ParameterException(command, "--out: is a directory: " + out);
        }
        try {
            if (Files.exists(out) && Files.isSameFile(in, out)) {
                throw new ParameterException(command, "--out names the same file as --in; it would be overwritten: " + out);
            }
        } catch (IOException e) {
            // Cannot tell; writing will report a real problem.
        }
    }

    private JsonlWriter openOutput(CommandLine command) {
        try {
            return JsonlWriter.create(out);
        } catch (IOException e) {
            throw new ParameterException(command, "--out: cannot write " + out + ": " + e.getMessage());
        }
    }
}
