package dev.grm4j.examples.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.JsonlLines;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.options.Limits;
import dev.grm4j.examples.options.SimProfile;
import dev.grm4j.voting.VoteResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code grm bench}: what voting costs on top of the model, measured through the real HTTP client
 * against the simulated judge served from child JVMs (so that this JVM's CPU time is the client's).
 *
 * <p>(a) Against a server with unlimited capacity, the wall time of one Voting@k request over that of
 * one single-sample request: voting runs its samples in parallel, so the ratio should stay near 1.
 * (b) Against a server that answers at most C calls at once, a batch of requests: samples per second
 * against the server's capacity C / latency, and the client's CPU time per sample.
 *
 * <p>With {@code --cost}, what a vote costs the server instead: the items of a file voted grm4j's way
 * and the naive way, against a server that accounts like vLLM ({@link BenchCost}, {@link ServingCost}).
 */
@Command(name = "bench",
        description = {
                "Benchmarks voting through langchain4j's OpenAI client against the simulated judge served on "
                        + "loopback from child JVMs: (a) wall time of one Voting@k request vs one single-sample "
                        + "request, unlimited server capacity; (b) samples/s and client CPU per sample for a "
                        + "batch against a server capped at --capacity calls at once.",
                "The last line of standard output is one JSON object: {\"k\": ..., \"wall_ratio_vs_single\": ..., "
                        + "\"samples_per_s\": ..., \"capacity_samples_per_s\": ..., \"cpu_us_per_sample\": ..., "
                        + "\"heap_mb_peak\": ...}.",
                "With --cost --in FILE.jsonl: what voting the items of FILE costs a server, grm4j's way (balanced "
                        + "orders, one call per order with n completions, adaptive stopping, a system message shared "
                        + "across requests) and the naive way (one call per sample, a random order each, all k run, "
                        + "the nonce in the system message), against the simulated judge behind a server that "
                        + "accounts like vLLM: prompt tokens billed per request, prefill not found in a prefix cache "
                        + "of 16-token blocks, decode. The last line: {\"k\": ..., \"items\": ..., \"grm4j\": {...}, "
                        + "\"naive\": {...}, \"ratio\": {...}}.",
                "With --llama: the embedded llama.cpp engine on a random-weight llama model of about 100M parameters "
                        + "(written once into the model store): one sample, Voting@K in K parallel slots, and Voting@K "
                        + "serialized, each the median of 3 runs. The last line: {\"k\": ..., \"params\": ..., "
                        + "\"single_ms\": ..., \"parallel_ratio\": ..., \"serialized_ratio\": ..., \"tokens_per_s\": ...} "
                        + "(ratios: the vote's wall time over one sample's)."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every figure measured, every vote answered",
                "1:an I/O or internal error stopped the run",
                "2:usage error",
                "3:some votes failed, or (--cost) some lines of --in were skipped: the figures are suspect"})
public final class BenchCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    @Option(names = "--k", paramLabel = "K", defaultValue = "32",
            description = "Samples of the voted request in (a), or of every vote with --cost (default: ${DEFAULT-VALUE}).")
    private int k;

    @Option(names = "--cost", description = "Measure what votes cost the server instead (see above); needs --in.")
    private boolean cost;

    @Option(names = "--llama", description = "Time the embedded llama.cpp engine instead (see above): one sample, "
            + "Voting@K in parallel slots and Voting@K serialized, on a random-weight model of 100M parameters "
            + "written once into the model store. --k defaults to 8.")
    private boolean llama;

    @Option(names = "--tokens", paramLabel = "T", defaultValue = "64",
            description = "--llama: tokens each sample decodes (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "--llama: the model store (default: ~/.cache/grm4j/models).")
    private Path modelDir;

    @Option(names = "--in", paramLabel = "FILE.jsonl",
            description = "--cost: the items to vote, each with its best response (\"best\").")
    private Path in;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "--cost: only the first N items; 0 for all (default: ${DEFAULT-VALUE}).")
    private int limit;

    @Option(names = "--sim-profile", paramLabel = "paper|independent", defaultValue = "paper",
            converter = SimProfile.Converter.class,
            description = "--cost: the simulated judge's profile (default: ${DEFAULT-VALUE}).")
    private SimProfile simProfile;

    @Option(names = "--cache-blocks", paramLabel = "B", defaultValue = "" + ServingCost.DEFAULT_CAPACITY_BLOCKS,
            description = "--cost: the prefix cache's size in 16-token blocks, least recently used evicted first "
                    + "(default: ${DEFAULT-VALUE}, about a million tokens).")
    private int cacheBlocks;

    @Option(names = "--latency-ms", paramLabel = "L", defaultValue = "200",
            description = "The simulated judge's latency per call (default: ${DEFAULT-VALUE}).")
    private int latencyMs;

    @Option(names = "--capacity", paramLabel = "C", defaultValue = "64",
            description = "Calls the server of (b) answers at once (default: ${DEFAULT-VALUE}).")
    private int capacity;

    @Option(names = "--batch-requests", paramLabel = "N", defaultValue = "1500",
            description = "Requests in the batch of (b) (default: ${DEFAULT-VALUE}).")
    private int batchRequests;

    @Option(names = "--batch-k", paramLabel = "K", defaultValue = "4",
            description = "Samples per request in the batch of (b) (default: ${DEFAULT-VALUE}).")
    private int batchK;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "5",
            description = "Timed requests of each kind in (a); the medians are compared (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--warmup-samples", paramLabel = "S", defaultValue = "20000",
            description = "Samples of the warm-up burst before anything is measured; rounds of the measured "
                    + "workloads follow it until the JIT compilers settle (default: ${DEFAULT-VALUE}).")
    private int warmupSamples;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seeds the votes and the judge.")
    private long seed;

    @Option(names = "--cpu-by-thread",
            description = "Also print the client's CPU per sample in (b) by thread group (Linux only).")
    private boolean cpuByThread;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CommandLine command = spec.commandLine();
        check(command);
        if (cost) {
            return cost(command);
        }
        PrintWriter out = command.getOut();
        if (llama) {
            int votes = command.getParseResult().hasMatchedOption("--k") ? k : 8;
            ObjectNode figures = new BenchLlama(votes, tokens, seed,
                    modelDir != null ? modelDir : dev.grm4j.examples.llama.ModelStore.defaultDirectory()).run(out);
            out.println(write(figures));
            out.flush();
            return ExitCode.OK;
        }
        ObjectNode json = JSON.createObjectNode();
        json.put("k", k);
        int failed;
        // Both children start at once; each is stopped however the run ends.
        try (SimServerProcess open = SimServerProcess.launch(serverArgs(0));
             SimServerProcess capped = SimServerProcess.launch(serverArgs(capacity))) {
            BenchSettings settings = new BenchSettings(k, latencyMs, capacity, batchRequests, batchK, repeats,
                    warmupSamples, seed, cpuByThread);
            BenchRequests requests = new BenchRequests();
            failed = new BenchWallRatio(settings, requests).run(open.baseUrl(), out, json);
            failed += new BenchThroughput(settings, requests).run(capped.baseUrl(), out, json);
        }
        json.put("latency_ms", latencyMs);
        json.put("capacity", capacity);
        if (failed > 0) {
            out.println("warning: " + failed + " requests did not vote; the figures above are suspect");
        }
        out.println(write(json));
        out.flush();
        return failed == 0 ? ExitCode.OK : ExitCode.PARTIAL;
    }

    private int cost(CommandLine command) throws IOException {
        List<String> skipped = new ArrayList<>();
        List<BenchmarkItem> items = items(command, skipped);
        PrintWriter out = command.getOut();
        if (!skipped.isEmpty()) {
            out.println("skipped " + skipped.size() + (skipped.size() == 1 ? " line: " : " lines: ")
                    + String.join("; ", skipped.subList(0, Math.min(10, skipped.size())))
                    + (skipped.size() > 10 ? "; ..." : ""));
        }
        out.printf(Locale.ROOT, "cost of Voting@%d on %d items of %s: simulated judge (profile %s), prefix cache of "
                        + "%,d blocks of %d tokens%n", k, items.size(), in.getFileName(),
                simProfile.name().toLowerCase(Locale.ROOT), cacheBlocks, ServingCost.BLOCK_TOKENS);
        out.flush();
        BenchCost bench = new BenchCost(items, k, seed, () -> simProfile.knobs().seed(seed), cacheBlocks);
        ObjectNode json = JSON.createObjectNode();
        json.put("k", k);
        json.put("items", items.size());
        BenchCost.Outcome grm4j = null;
        int failed = 0;
        for (BenchCost.Way way : BenchCost.Way.values()) {
            BenchCost.Outcome outcome = bench.measure(way);
            out.printf(Locale.ROOT, "%-6s %s; accuracy %.2f%%%s%n", way.key + ":", outcome.figures(),
                    100 * outcome.accuracy(), outcome.failedVotes() == 0 ? ""
                            : " (" + outcome.failedVotes() + " votes failed, counted wrong)");
            out.flush();
            failed += outcome.failedVotes();
            ObjectNode figures = json.putObject(way.key);
            figures.put("requests", outcome.figures().requests());
            figures.put("samples", outcome.figures().samples());
            figures.put("prompt_tokens_billed", outcome.figures().promptTokensBilled());
            figures.put("prefill_tokens_computed", outcome.figures().prefillTokensComputed());
            figures.put("decode_tokens", outcome.figures().decodeTokens());
            figures.put("accuracy", round(outcome.accuracy(), 4));
            if (way == BenchCost.Way.GRM4J) {
                grm4j = outcome;
            } else {
                ObjectNode ratio = json.putObject("ratio");
                grm4j.figures().ratio(outcome.figures()).forEach((key, value) -> putRounded(ratio, key, value, 4));
                out.printf(Locale.ROOT, "grm4j / naive: %s; accuracy %+.2f points%n", ratio,
                        100 * (grm4j.accuracy() - outcome.accuracy()));
            }
        }
        if (failed > 0) {
            out.println("warning: " + failed + " votes failed; the figures above are suspect");
        }
        out.println(write(json));
        out.flush();
        return failed == 0 && skipped.isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
    }

    /**
     * The items of --in, up to --limit (lines skipped count towards it, as in {@code grm eval}). A line
     * that is not an item, or has no best response, is skipped and listed in {@code skipped}.
     */
    private List<BenchmarkItem> items(CommandLine command, List<String> skipped) throws IOException {
        if (!Files.isRegularFile(in)) {
            throw new ParameterException(command, "--in: no such file: " + in);
        }
        BenchmarkItem.Parser parser = BenchmarkItem.parser(PointwiseGrm.Builder.DEFAULT_MAX_RESPONSES);
        List<BenchmarkItem> items = new ArrayList<>();
        try (JsonlLines lines = JsonlLines.open(in)) {
            for (JsonlLines.Line line = lines.next(); line != null && (limit == 0 || line.number() <= limit);
                 line = lines.next()) {
                try {
                    BenchmarkItem item = parser.parse(line);
                    if (item.best().isPresent()) {
                        items.add(item);
                    } else {
                        skipped.add("line " + line.number() + ": no \"best\" (accuracy needs it)");
                    }
                } catch (BenchmarkItem.InvalidItemException e) {
                    skipped.add(e.getMessage());
                }
            }
        }
        if (items.isEmpty()) {
            throw new ParameterException(command, "--in " + in + ": no items with a best response"
                    + (skipped.isEmpty() ? "" : "; " + skipped.get(0)));
        }
        return items;
    }

    static int failures(List<VoteResult> results) {
        return (int) results.stream().filter(result -> !result.isVoted()).count();
    }

    private List<String> serverArgs(int serverCapacity) {
        return new ArrayList<>(List.of("--latency-ms", Integer.toString(latencyMs),
                "--capacity", Integer.toString(serverCapacity), "--seed", Long.toString(seed)));
    }

    private void check(CommandLine command) {
        CommandLine.ParseResult parsed = command.getParseResult();
        List<String> costOnly = List.of("--in", "--limit", "--sim-profile", "--cache-blocks");
        List<String> latencyOnly = List.of("--latency-ms", "--capacity", "--batch-requests", "--batch-k", "--repeats",
                "--warmup-samples", "--cpu-by-thread");
        List<String> llamaOnly = List.of("--tokens", "--model-dir");
        require(command, !(llama && cost), "--llama and --cost are two benchmarks: choose one");
        if (llama) {
            for (String option : concat(costOnly, latencyOnly)) {
                require(command, !parsed.hasMatchedOption(option), option + " does not apply with --llama");
            }
            require(command, tokens >= 1 && tokens <= 4096, "--tokens must be in 1..4096, was " + tokens);
            require(command, k >= 1 && k <= dev.grm4j.examples.llama.LlamaCppBackend.MAX_SLOTS,
                    "--k must be in 1.." + dev.grm4j.examples.llama.LlamaCppBackend.MAX_SLOTS + " with --llama (one slot a sample), was " + k);
            return;
        }
        for (String option : llamaOnly) {
            require(command, !parsed.hasMatchedOption(option), option + " applies only with --llama");
        }
        for (String option : cost ? latencyOnly : costOnly) {
            require(command, !parsed.hasMatchedOption(option), option + (cost ? " does not apply with --cost"
                    : " applies only with --cost"));
        }
        require(command, !cost || in != null, "--cost needs --in FILE.jsonl, the items to vote");
        require(command, limit >= 0, "--limit must be >= 0, was " + limit);
        require(command, cacheBlocks >= 1, "--cache-blocks must be >= 1, was " + cacheBlocks);
        Limits.requireK(command, k);
        require(command, latencyMs >= 1, "--latency-ms must be >= 1, was " + latencyMs);
        require(command, capacity >= 1 && capacity <= Limits.MAX_CONCURRENCY,
                "--capacity must be in 1.." + Limits.MAX_CONCURRENCY + ", was " + capacity);
        require(command, batchRequests >= 1, "--batch-requests must be >= 1, was " + batchRequests);
        require(command, batchK >= 1 && batchK <= Limits.MAX_K,
                "--batch-k must be in 1.." + Limits.MAX_K + ", was " + batchK);
        require(command, repeats >= 1, "--repeats must be >= 1, was " + repeats);
        require(command, warmupSamples >= 0, "--warmup-samples must be >= 0, was " + warmupSamples);
    }

    private static void require(CommandLine command, boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(command, message);
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> both = new ArrayList<>(first);
        both.addAll(second);
        return both;
    }

    /**
     * Puts {@code value} rounded, or JSON null when it is undefined (a ratio over zero): {@link #round}
     * would make NaN a plausible 0.0, and Jackson would write it as the string "NaN".
     */
    static void putRounded(ObjectNode node, String key, double value, int decimals) {
        if (Double.isFinite(value)) {
            node.put(key, round(value, decimals));
        } else {
            node.putNull(key);
        }
    }

    static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    private static String write(ObjectNode json) {
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
    }
}
