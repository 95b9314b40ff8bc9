package dev.grm4j.examples.options;

import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.examples.batch.ItemCalls;
import dev.grm4j.examples.batch.Judge;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.llama.LlamaOptions;
import dev.grm4j.examples.llama.ModelStoreException;
import dev.grm4j.voting.RetryPolicy;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The options that choose and configure the judge, shared by every command that calls one
 * ({@code score}, {@code eval}, {@code rft}, {@code serve}).
 *
 * <p>{@code --backend openai} is grm4j's own {@link OpenAiCompatibleBackend} in every command: one
 * HTTP path, no retries of its own (the command's one retry layer is above it and honours
 * Retry-After), {@code --timeout} per call, and a pool when {@code --base-url} lists several servers.
 */
public final class BackendOptions {

    public static final String SIMULATED_NOTE = "note: --backend simulated: scores are simulated, not from a language model";

    /**
     * The default of {@code --timeout}, in seconds: a judge slower than that on one call is better found
     * out than waited for; slow local models raise it.
     */
    static final String DEFAULT_TIMEOUT_SECONDS = "60";

    /** A day: a longer per-call timeout is more likely a typo than a plan. */
    private static final double MAX_TIMEOUT_SECONDS = 86_400;

    /** The longest a connection may take to open, when --timeout is longer. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final List<String> SIMULATED_ONLY =
            List.of("--sim-profile", "--sim-accuracy", "--sim-position-bias", "--sim-malformed-rate",
                    "--sim-careless-rate", "--sim-latency-ms");
    private static final List<String> OPENAI_ONLY = List.of("--base-url", "--api-key-env", "--affinity");

    @Option(names = "--backend", paramLabel = "llama|openai|simulated",
            converter = BackendKind.Converter.class, completionCandidates = BackendKind.Names.class,
            description = "Where the judgements come from: llama (a GGUF model run in process by llama.cpp), "
                    + "openai (any OpenAI-compatible server) or simulated (no model, for dry runs). "
                    + "Default: openai with --base-url, llama without.")
    public BackendKind backend;

    @Option(names = "--base-url", paramLabel = "URL[,URL...]",
            // The URL opens its own line: help text wraps at a URL's dots and colons.
            description = {"openai: the server's endpoint, for example", "http://127.0.0.1:8000/v1",
                    "Several, comma-separated, for servers of the same model: each call goes to the one with the "
                            + "fewest in flight, and one that keeps failing is set aside for 30 s."})
    String baseUrl;

    @Option(names = "--model", paramLabel = "NAME|FILE",
            description = "openai: the model name to request. llama: a model of the catalogue (qwen2.5-1.5b, the "
                    + "default, or qwen2.5-7b; see grm models), downloaded once into the model store, or a GGUF "
                    + "file to run.")
    String model;

    @Mixin
    LlamaOptions llama;

    /** The backend {@link #open} opened, for commands that call it directly. */
    private LlmBackend opened;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "openai: the environment variable holding the API key, sent as a Bearer token; "
                    + "without it none is sent (local servers need none). The key is masked as *** in everything "
                    + "the command writes, the judge's own text included.")
    String apiKeyEnv;

    @Option(names = "--affinity", paramLabel = "field:NAME|header:NAME|none", defaultValue = "field:user",
            description = "openai: where each call carries its request's affinity key (the same for every sample of "
                    + "one request), so that a prefix-aware router (vLLM production-stack, SGLang's router, llm-d) "
                    + "keeps them on one replica: a body field, a request header, or none (default: ${DEFAULT-VALUE}, "
                    + "OpenAI's own field).")
    String affinity;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seeds tie-breaks, the simulated judge and the provider's sampling (default: ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = DEFAULT_TIMEOUT_SECONDS,
            description = "The most one judge call may take, in seconds (decimals allowed): for openai from sending "
                    + "it to the last byte of the answer; for every backend, the most one call may run. A call that "
                    + "runs over fails and is retried like any failure a later try may pass (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--max-tokens", paramLabel = "T", defaultValue = "" + SamplingOptions.DEFAULT_MAX_OUTPUT_TOKENS,
            description = "The judge's output budget per call; a judgement cut off by it is TRUNCATED "
                    + "(default: ${DEFAULT-VALUE}).")
    public int maxTokens;

    @Option(names = "--sim-profile", paramLabel = "paper|independent", defaultValue = "paper",
            converter = SimProfile.Converter.class,
            description = "simulated: paper (items differ in difficulty and careless samples lean, fitted to the "
                    + "paper's Table 2; see docs/simulator.md) or independent (every sample an independent draw "
                    + "at --sim-accuracy) (default: ${DEFAULT-VALUE}).")
    public SimProfile simProfile;

    @Option(names = "--sim-accuracy", paramLabel = "P",
            description = "simulated: the mean chance over items of ranking the known best response strictly "
                    + "first (default: the profile's, 0.74 for paper, 0.8 for independent).")
    public Double simAccuracy;

    @Option(names = "--sim-position-bias", paramLabel = "B", defaultValue = "0",
            description = "simulated: the chance of ranking the first response first, whatever it is (default: ${DEFAULT-VALUE}).")
    public double simPositionBias;

    @Option(names = "--sim-malformed-rate", paramLabel = "M", defaultValue = "0",
            description = "simulated: the chance of writing output the parser rejects (default: ${DEFAULT-VALUE}).")
    public double simMalformedRate;

    @Option(names = "--sim-careless-rate", paramLabel = "R",
            description = "simulated: the chance of a careless sample (what a meta RM filters out), its mean over "
                    + "items: scores that lean (paper) or are near-random (independent), and often (paper: 3 in 10; "
                    + "independent: always) generic principles and a critique that skips a response (default: the "
                    + "profile's, 0.15 for paper, 0 for independent).")
    public Double simCarelessRate;

    @Option(names = "--sim-latency-ms", paramLabel = "L", defaultValue = "0",
            description = "simulated: milliseconds each call takes (default: ${DEFAULT-VALUE}).")
    public long simLatencyMs;

    /**
     * The simulated judge these options describe, without its ground truth: the profile's knobs, with
     * {@code --sim-accuracy} and {@code --sim-careless-rate} in their place when given.
     */
    public SimulatedJudge.Builder simulatedJudge() {
        SimulatedJudge.Builder judge = simProfile.knobs()
                .positionBias(simPositionBias)
                .malformedRate(simMalformedRate)
                .latency(Duration.ofMillis(simLatencyMs))
                .seed(seed);
        if (simAccuracy != null) {
            judge.accuracy(simAccuracy);
        }
        if (simCarelessRate != null) {
            judge.carelessRate(simCarelessRate);
        }
        return judge;
    }

    /**
     * Checks what picocli cannot (ranges, options that need or exclude each other, the API key) and
     * builds the judge, for a command that keeps running whatever the judge does ({@code serve}).
     *
     * @throws ParameterException naming the option at fault; picocli turns it into exit code 2
     */
    public Judge open(CommandLine command, Function<String, String> environment) {
        return open(command, environment, null);
    }

    /**
     * As {@link #open(CommandLine, Function)}, with every call going through {@code watch}: a batch
     * command stops when it says the judge is unreachable.
     *
     * @param watch the batch command's watch, or null for none
     * @throws ParameterException naming the option at fault; picocli turns it into exit code 2
     */
    public Judge open(CommandLine command, Function<String, String> environment, JudgeWatch watch) {
        check(command, environment);
        SamplingOptions sampling = SamplingOptions.greedy().withMaxOutputTokens(maxTokens).withSeed(seed);
        if (backend == BackendKind.LLAMA) {
            try {
                opened = watched(llama.open(model, environment, command.getErr(), LlamaOptions.stderrIsTerminal()),
                        watch);
            } catch (ModelStoreException | BackendException e) {
                throw usage(command, e.getMessage());
            }
            return Judge.remote(opened, sampling, seed, null);
        }
        if (backend == BackendKind.SIMULATED) {
            GroundTruth truth = GroundTruth.create();
            LlmBackend judge = simulatedJudge().groundTruth(truth).build();
            command.getErr().println(SIMULATED_NOTE);
            command.getErr().flush();
            opened = watched(judge, watch);
            return Judge.simulated(opened, sampling, seed, truth);
        }
        String key = apiKey(command, environment);
        OpenAiCompatibleBackend.Builder builder = OpenAiCompatibleBackend.builder()
                .modelName(model)
                .callTimeout(timeout())
                .connectTimeout(timeout().compareTo(CONNECT_TIMEOUT) < 0 ? timeout() : CONNECT_TIMEOUT);
        try {
            builder.baseUrls(baseUrls());
        } catch (IllegalArgumentException e) {
            throw usage(command, "--base-url: " + e.getMessage());
        }
        try {
            affinity(builder);
        } catch (IllegalArgumentException e) {
            throw usage(command, "--affinity: " + e.getMessage());
        }
        if (key != null) {
            try {
                builder.apiKey(key);
            } catch (IllegalArgumentException e) {
                throw usage(command, "--api-key-env " + apiKeyEnv + ": " + e.getMessage());
            }
        }
        // The backend masks the key in every answer and message it hands out: critiques, records, RFT
        // data and failure reasons downstream all read from there.
        opened = watched(builder.build(), watch);
        return Judge.remote(opened, sampling, seed, key);
    }

    private void affinity(OpenAiCompatibleBackend.Builder builder) {
        if (affinity.equals("none")) {
            builder.affinityField(null);
        } else if (affinity.startsWith("field:")) {
            builder.affinityField(affinity.substring("field:".length()));
        } else if (affinity.startsWith("header:")) {
            builder.affinityField(null).affinityHeader(affinity.substring("header:".length()));
        } else {
            throw new IllegalArgumentException("expected field:NAME, header:NAME or none, was '" + affinity + "'");
        }
    }

    /**
     * How the commands that do not vote ({@code score}, {@code rft}) retry a failed call: the defaults
     * {@code VotingGrm} uses for the commands that do, so every command retries alike.
     */
    RetryPolicy retry() {
        return RetryPolicy.defaults();
    }

    /**
     * The calls of one item of a command that does not vote: retried by {@link #retry()}, cut at
     * {@code deadline}, watched; each attempt bounded by {@code --timeout} (the HTTP backend keeps that
     * timeout itself, the others get it here).
     */
    public ItemCalls itemCalls(Duration deadline, JudgeWatch watch) {
        return itemCalls(opened, deadline, watch);
    }

    /** As {@link #itemCalls(Duration, JudgeWatch)}, over another backend of this kind (one per item). */
    public ItemCalls itemCalls(LlmBackend over, Duration deadline, JudgeWatch watch) {
        return new ItemCalls(over, retry(), backend == BackendKind.OPENAI ? null : timeout(), deadline, watch);
    }

    /** How the commands that vote sample: the paper's temperature, within {@code --max-tokens}. */
    public SamplingOptions votingSampling() {
        return SamplingOptions.sampled(SamplingOptions.PAPER_TEMPERATURE).withMaxOutputTokens(maxTokens);
    }

    /** The per-call timeout, {@code --timeout}. */
    public Duration timeout() {
        return Duration.ofNanos(Math.round(timeoutSeconds * 1e9));
    }

    /** The base URLs of {@code --base-url}, in order, blanks dropped. */
    private List<String> baseUrls() {
        return Arrays.stream(baseUrl.split(",")).map(String::strip).filter(url -> !url.isEmpty()).toList();
    }

    private static LlmBackend watched(LlmBackend backend, JudgeWatch watch) {
        return watch == null ? backend : watch.watching(backend);
    }

    /** The backend the last {@link #open} call opened (the judge's), or null before it. */
    public LlmBackend llm() {
        return opened;
    }

    /**
     * Checks what picocli cannot, without opening the backend: ranges, options that need or exclude
     * each other, and for llama that the model can be had. {@link #open} checks the same first.
     *
     * @throws ParameterException naming the option at fault
     */
    public void check(CommandLine command, Function<String, String> environment) {
        if (backend == null) {
            backend = baseUrl != null ? BackendKind.OPENAI : BackendKind.LLAMA;
        }
        if (maxTokens <= 0) {
            throw usage(command, "--max-tokens must be > 0, was " + maxTokens);
        }
        if (!(timeoutSeconds > 0 && timeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
            throw usage(command, "--timeout must be in (0, " + (long) MAX_TIMEOUT_SECONDS + "] seconds, was "
                    + timeoutSeconds);
        }
        if (backend != BackendKind.LLAMA) {
            rejectMatched(command, LlamaOptions.NAMES, "--backend llama");
        }
        if (backend == BackendKind.LLAMA) {
            rejectMatched(command, SIMULATED_ONLY, "--backend simulated");
            rejectMatched(command, OPENAI_ONLY, "--backend openai");
            String problem = llama.problem(model, environment);
            if (problem != null) {
                throw usage(command, problem);
            }
            return;
        }
        if (backend == BackendKind.SIMULATED) {
            rejectMatched(command, OPENAI_ONLY, "--backend openai");
            rejectMatched(command, List.of("--model"), "--backend openai or llama");
            requireProbability(command, "--sim-accuracy", simAccuracy == null ? 0.5 : simAccuracy);
            requireProbability(command, "--sim-position-bias", simPositionBias);
            requireProbability(command, "--sim-malformed-rate", simMalformedRate);
            requireProbability(command, "--sim-careless-rate", simCarelessRate == null ? 0 : simCarelessRate);
            if (simAccuracy != null && !(simAccuracy > 0 && simAccuracy < 1) && simProfile == SimProfile.PAPER) {
                throw usage(command, "--sim-accuracy must be in (0, 1) for --sim-profile paper (the mean of a "
                        + "spread of item accuracies), was " + simAccuracy);
            }
            if (simLatencyMs < 0) {
                throw usage(command, "--sim-latency-ms must be >= 0, was " + simLatencyMs);
            }
            return;
        }
        rejectMatched(command, SIMULATED_ONLY, "--backend simulated");
        if (baseUrl == null) {
            throw usage(command, "--backend openai requires --base-url (the server's endpoint, e.g. http://127.0.0.1:8000/v1)");
        }
        if (baseUrls().isEmpty()) {
            throw usage(command, "--base-url must name at least one URL, was '" + baseUrl + "'");
        }
        for (String url : baseUrls()) {
            if (!isHttpUrl(url)) {
                throw usage(command, "--base-url must be an http or https URL such as http://127.0.0.1:8000/v1, was '"
                        + url + "'");
            }
        }
        if (model == null || model.isBlank()) {
            throw usage(command, "--backend openai requires --model (the model name the server serves)");
        }
    }

    /** The key from --api-key-env, or null without it: local servers need none, and none is sent. */
    private String apiKey(CommandLine command, Function<String, String> environment) {
        if (apiKeyEnv == null) {
            return null;
        }
        String key = environment.apply(apiKeyEnv);
        if (key == null || key.isBlank()) {
            throw usage(command, "--api-key-env names " + apiKeyEnv + ", but that environment variable is "
                    + (key == null ? "not set" : "empty"));
        }
        return key.strip();
    }

    private static void rejectMatched(CommandLine command, List<String> options, String onlyWith) {
        List<String> given = new ArrayList<>();
        for (String option : options) {
            if (command.getParseResult().hasMatchedOption(option)) {
                given.add(option);
            }
        }
        if (!given.isEmpty()) {
            throw usage(command, String.join(", ", given) + (given.size() == 1 ? " applies" : " apply")
                    + " only with " + onlyWith);
        }
    }

    private static void requireProbability(CommandLine command, String option, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw usage(command, option + " must be in 0..1, was " + value);
        }
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static ParameterException usage(CommandLine command, String message) {
        return new ParameterException(command, message);
    }

    /** The judges {@code --backend} can name, spelled in lower case on the command line. */
    public enum BackendKind {
        SIMULATED, OPENAI, LLAMA;

        String optionValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        static final class Converter implements CommandLine.ITypeConverter<BackendKind> {
            @Override
            public BackendKind convert(String value) {
                for (BackendKind kind : values()) {
                    if (kind.optionValue().equalsIgnoreCase(value.strip())) {
                        return kind;
                    }
                }
                throw new CommandLine.TypeConversionException("expected simulated or openai or llama, was '" + value + "'");
            }
        }

        static final class Names implements Iterable<String> {
            @Override
            public Iterator<String> iterator() {
                return Arrays.stream(values()).map(BackendKind::optionValue).iterator();
            }
        }
    }
}
