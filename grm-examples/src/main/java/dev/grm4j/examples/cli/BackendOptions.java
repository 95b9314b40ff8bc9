package dev.grm4j.examples.cli;

import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.LangChain4jBackend;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.simulated.GroundTruth;
import dev.grm4j.core.simulated.SimulatedJudge;
import dev.grm4j.examples.llama.LlamaOptions;
import dev.grm4j.examples.llama.ModelStoreException;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The options that choose and configure the judge, shared by every command that calls one
 * ({@code score} now; {@code eval}, {@code bench} and {@code serve} later).
 */
final class BackendOptions {

    static final String SIMULATED_NOTE = "note: --backend simulated: scores are simulated, not from a language model";

    /** Local OpenAI-compatible servers (vLLM, llama.cpp, SGLang) ignore the key, but the client requires one. */
    private static final String PLACEHOLDER_KEY = "no-key";

    private static final List<String> SIMULATED_ONLY =
            List.of("--sim-accuracy", "--sim-position-bias", "--sim-malformed-rate", "--sim-careless-rate",
                    "--sim-latency-ms");
    private static final List<String> OPENAI_ONLY = List.of("--base-url", "--api-key-env");

    @Option(names = "--backend", paramLabel = "llama|openai|simulated",
            converter = BackendKind.Converter.class, completionCandidates = BackendKind.Names.class,
            description = "Where the judgements come from: llama (a GGUF model run in process by llama.cpp), "
                    + "openai (any OpenAI-compatible server) or simulated (no model, for dry runs). "
                    + "Default: openai with --base-url, llama without.")
    BackendKind backend;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "openai: the server's endpoint, e.g. http://127.0.0.1:8000/v1.")
    String baseUrl;

    @Option(names = "--model", paramLabel = "NAME|FILE",
            description = "openai: the model name to request. llama: the GGUF file to run; without it the "
                    + "default model is downloaded once into the model store (see --model-url).")
    String model;

    @Mixin
    LlamaOptions llama;

    /** The backend {@link #open} opened, for commands that call it directly. */
    private LlmBackend opened;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "openai: the environment variable holding the API key; "
                    + "without it a placeholder key is sent (local servers need none).")
    String apiKeyEnv;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seeds tie-breaks, the simulated judge and the provider's sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-tokens", paramLabel = "T", defaultValue = "" + SamplingOptions.DEFAULT_MAX_OUTPUT_TOKENS,
            description = "The judge's output budget per call; a judgement cut off by it is TRUNCATED "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--sim-accuracy", paramLabel = "P", defaultValue = "0.8",
            description = "simulated: the chance of ranking the known best response strictly first (default: ${DEFAULT-VALUE}).")
    double simAccuracy;

    @Option(names = "--sim-position-bias", paramLabel = "B", defaultValue = "0",
            description = "simulated: the chance of ranking the first response first, whatever it is (default: ${DEFAULT-VALUE}).")
    double simPositionBias;

    @Option(names = "--sim-malformed-rate", paramLabel = "M", defaultValue = "0",
            description = "simulated: the chance of writing output the parser rejects (default: ${DEFAULT-VALUE}).")
    double simMalformedRate;

    @Option(names = "--sim-careless-rate", paramLabel = "R", defaultValue = "0",
            description = "simulated: the chance of a careless sample: near-random scores, generic principles, "
                    + "a critique that skips a response; what a meta RM filters out (default: ${DEFAULT-VALUE}).")
    double simCarelessRate;

    @Option(names = "--sim-latency-ms", paramLabel = "L", defaultValue = "0",
            description = "simulated: milliseconds each call takes (default: ${DEFAULT-VALUE}).")
    long simLatencyMs;

    /**
     * Checks what picocli cannot (ranges, options that need or exclude each other, the API key) and
     * builds the judge.
     *
     * @throws ParameterException naming the option at fault; picocli turns it into exit code 2
     */
    Judge open(CommandLine command, Function<String, String> environment) {
        if (backend == null) {
            backend = baseUrl != null ? BackendKind.OPENAI : BackendKind.LLAMA;
        }
        check(command);
        SamplingOptions sampling = SamplingOptions.greedy().withMaxOutputTokens(maxTokens).withSeed(seed);
        if (backend == BackendKind.LLAMA) {
            try {
                opened = llama.open(model == null ? null : Path.of(model), command.getErr(),
                        LlamaOptions.stderrIsTerminal());
            } catch (ModelStoreException | BackendException e) {
                throw usage(command, e.getMessage());
            }
            return Judge.remote(opened, sampling, seed, null);
        }
        if (backend == BackendKind.SIMULATED) {
            GroundTruth truth = GroundTruth.create();
            LlmBackend judge = SimulatedJudge.builder()
                    .accuracy(simAccuracy)
                    .positionBias(simPositionBias)
                    .malformedRate(simMalformedRate)
                    .carelessRate(simCarelessRate)
                    .latency(Duration.ofMillis(simLatencyMs))
                    .seed(seed)
                    .groundTruth(truth)
                    .build();
            command.getErr().println(SIMULATED_NOTE);
            command.getErr().flush();
            opened = judge;
            return Judge.simulated(judge, sampling, seed, truth);
        }
        String key = apiKey(command, environment);
        OpenAiChatModel chatModel = OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey(key)
                .modelName(model)
                .maxRetries(2)
                .timeout(Duration.ofSeconds(120))
                .build();
        LlmBackend llm = LangChain4jBackend.builder(chatModel)
                .parameters(BackendOptions::openAiParameters)
                // Servers may echo the Authorization header in error bodies; every failure, record and
                // report downstream reads the backend's message, so mask the key where it is made.
                .secret(key)
                .build();
        opened = llm;
        return Judge.remote(llm, sampling, seed, apiKeyEnv == null ? null : key);
    }

    /** The backend the last {@link #open} call opened (the judge's), or null before it. */
    LlmBackend llm() {
        return opened;
    }

    private static OpenAiChatRequestParameters openAiParameters(SamplingOptions sampling) {
        return OpenAiChatRequestParameters.builder()
                .temperature(sampling.temperature())
                .maxOutputTokens(sampling.maxOutputTokens())
                .stopSequences(sampling.stop().isEmpty() ? null : sampling.stop())
                // OpenAI takes a 32-bit seed; the low bits are enough to pin a run.
                .seed(sampling.seed().isPresent() ? (int) sampling.seed().getAsLong() : null)
                .build();
    }

    private void check(CommandLine command) {
        if (maxTokens <= 0) {
            throw usage(command, "--max-tokens must be > 0, was " + maxTokens);
        }
        if (backend != BackendKind.LLAMA) {
            rejectMatched(command, LlamaOptions.NAMES, "--backend llama");
        }
        if (backend == BackendKind.LLAMA) {
            rejectMatched(command, SIMULATED_ONLY, "--backend simulated");
            rejectMatched(command, OPENAI_ONLY, "--backend openai");
            String problem = llama.problem();
            if (problem != null) {
                throw usage(command, problem);
            }
            if (model != null && !Files.isRegularFile(Path.of(model))) {
                throw usage(command, "--model: with --backend llama, a GGUF file; not found: " + model);
            }
            return;
        }
        if (backend == BackendKind.SIMULATED) {
            rejectMatched(command, OPENAI_ONLY, "--backend openai");
            rejectMatched(command, List.of("--model"), "--backend openai or llama");
            requireProbability(command, "--sim-accuracy", simAccuracy);
            requireProbability(command, "--sim-position-bias", simPositionBias);
            requireProbability(command, "--sim-malformed-rate", simMalformedRate);
            requireProbability(command, "--sim-careless-rate", simCarelessRate);
            if (simLatencyMs < 0) {
                throw usage(command, "--sim-latency-ms must be >= 0, was " + simLatencyMs);
            }
            return;
        }
        rejectMatched(command, SIMULATED_ONLY, "--backend simulated");
        if (baseUrl == null) {
            throw usage(command, "--backend openai requires --base-url (the server's endpoint, e.g. http://127.0.0.1:8000/v1)");
        }
        if (!isHttpUrl(baseUrl)) {
            throw usage(command, "--base-url must be an http or https URL such as http://127.0.0.1:8000/v1, was '"
                    + baseUrl + "'");
        }
        if (model == null || model.isBlank()) {
            throw usage(command, "--backend openai requires --model (the model name the server serves)");
        }
    }

    private String apiKey(CommandLine command, Function<String, String> environment) {
        if (apiKeyEnv == null) {
            return PLACEHOLDER_KEY;
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
    enum BackendKind {
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
