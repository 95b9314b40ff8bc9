package dev.grm4j.examples.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.options.Limits;
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
 */
@Command(name = "bench",
        description = {
                "Benchmarks voting through langchain4j's OpenAI client against the simulated judge served on "
                        + "loopback from child JVMs: (a) wall time of one Voting@k request vs one single-sample "
                        + "request, unlimited server capacity; (b) samples/s and client CPU per sample for a "
                        + "batch against a server capped at --capacity calls at once.",
                "The last line of standard output is one JSON object: {\"k\": ..., \"wall_ratio_vs_single\": ..., "
                        + "\"samples_per_s\": ..., \"capacity_samples_per_s\": ..., \"cpu_us_per_sample\": ..., "
                        + "\"heap_mb_peak\": ...}."},
        usageHelpAutoWidth = true)
public final class BenchCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    @Option(names = "--k", paramLabel = "K", defaultValue = "32",
            description = "Samples of the voted request in (a) (default: ${DEFAULT-VALUE}).")
    private int k;

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
        PrintWriter out = command.getOut();
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

    static int failures(List<VoteResult> results) {
        return (int) results.stream().filter(result -> !result.isVoted()).count();
    }

    private List<String> serverArgs(int serverCapacity) {
        return new ArrayList<>(List.of("--latency-ms", Integer.toString(latencyMs),
                "--capacity", Integer.toString(serverCapacity), "--seed", Long.toString(seed)));
    }

    private void check(CommandLine command) {
        require(command, k >= 1 && k <= Limits.MAX_K, "--k must be in 1.." + Limits.MAX_K + ", was " + k);
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
