package dev.grm4j.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.simulated.GroundTruth;
import dev.grm4j.core.simulated.SimulatedJudge;
import dev.grm4j.principles.RftSampler;
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
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;

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
                "3:the run completed, but some lines were skipped or some samples got no verdict"})
final class RftCommand implements Callable<Integer> {

    /** More samples per item than any recipe uses; a larger value is more likely a typo. */
    static final int MAX_N = 64;

    /** Skipped lines named on standard error; the rest are counted. */
    private static final int SKIPS_LISTED = 10;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private GrmCli parent;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

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

    /** What became of one input line. */
    private record Done(int line, RftSampler.Result result, String skipped) {
    }

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        checkOptions(command);
        Judge judge = backend.open(command, parent.environment());
        SamplingOptions sampling = SamplingOptions.sampled(temperature).withMaxOutputTokens(backend.maxTokens);
        Function<BenchmarkItem, RftSampler> samplers = samplers(sampling);
        BenchmarkItem.Parser parser = BenchmarkItem.parser(judge.maxResponses());
        RftTally tally = new RftTally();
        PrintWriter err = command.getErr();

        try (JsonlLines lines = JsonlLines.open(in); JsonlWriter writer = openOutput(command)) {
            OrderedWindow<Done> window = new OrderedWindow<>(concurrency, done -> {
                if (done.skipped() != null) {
                    if (tally.skip() <= SKIPS_LISTED) {
                        err.println("skipped " + done.skipped());
                    }
                    return;
                }
                for (RftSampler.Example example : done.result().accepted()) {
                    writer.writeLine(chat(example));
                }
                tally.add(done.result());
            });
            for (JsonlLines.Line line = lines.next(); line != null; line = lines.next()) {
                BenchmarkItem item;
                try {
                    item = parser.parse(line);
                } catch (BenchmarkItem.InvalidItemException e) {
                    window.submitDone(new Done(line.number(), null, e.getMessage()));
                    continue;
                }
                String unusable = unusable(item);
                if (unusable != null) {
                    window.submitDone(new Done(item.line(), null, "line " + item.line() + ": " + unusable));
                    continue;
                }
                window.submit(() -> samplers.apply(item).sampleAsync(item.request(), item.best().getAsInt())
                        .thenApply(result -> new Done(item.line(), result, null)));
            }
            window.finish();
        } catch (IOException e) {
            err.println("error: " + judge.redact(String.valueOf(e.getMessage())));
            err.flush();
            return GrmCli.EXIT_FAILED;
        }
        if (tally.skipped() > SKIPS_LISTED) {
            err.println("skipped " + (tally.skipped() - SKIPS_LISTED) + " more lines");
        }
        err.flush();
        command.getOut().println(tally.json());
        command.getOut().flush();
        return tally.skipped() > 0 || tally.failed() > 0 ? GrmCli.EXIT_PARTIAL : GrmCli.EXIT_OK;
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
     * The sampler of each item. The simulated judge gets each item's truth in a judge of its own (same
     * knobs and seed, so the same answers a shared one would give), so memory stays flat on any file.
     */
    private Function<BenchmarkItem, RftSampler> samplers(SamplingOptions sampling) {
        if (backend.backend == BackendOptions.BackendKind.SIMULATED) {
            return item -> sampler(SimulatedJudge.builder()
                    .accuracy(backend.simAccuracy)
                    .positionBias(backend.simPositionBias)
                    .malformedRate(backend.simMalformedRate)
                    .latency(Duration.ofMillis(backend.simLatencyMs))
                    .seed(backend.seed)
                    .groundTruth(GroundTruth.create().register(item.request().responses(), item.best().getAsInt()))
                    .build(), sampling);
        }
        // RFT calls the backend directly (the hinted prompt is not one a PointwiseGrm renders): the one
        // BackendOptions opened for the judge, whatever its kind.
        RftSampler shared = sampler(backend.llm(), sampling);
        return item -> shared;
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
        if (concurrency < 1 || concurrency > ScoreCommand.MAX_CONCURRENCY) {
            throw new ParameterException(command,
                    "--concurrency must be in 1.." + ScoreCommand.MAX_CONCURRENCY + ", was " + concurrency);
        }
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
