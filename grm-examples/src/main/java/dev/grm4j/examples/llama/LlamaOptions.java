package dev.grm4j.examples.llama;

import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * The command line's options for {@code --backend llama} (a picocli mixin), and what they open: the
 * GGUF file or the catalogue model ({@link ModelCatalog}) {@code --model} names, the file
 * {@code --model-url} names, or else the default model; the last three from the model store,
 * downloaded once (never with {@code --offline} or {@code GRM_OFFLINE=1}).
 */
public final class LlamaOptions {

    /** The options below, for commands that reject them with other backends. */
    public static final List<String> NAMES =
            List.of("--model-url", "--model-sha256", "--model-dir", "--ctx-size", "--threads", "--slots", "--offline");

    /** The environment variable that, set to {@code 1}, makes a command offline as {@code --offline} does. */
    public static final String OFFLINE_VARIABLE = "GRM_OFFLINE";

    /** What to do when there is no model: printed whenever the default model cannot be had. */
    public static final String WAYS_FORWARD = "Ways forward: --model FILE.gguf (a model you have), "
            + "--backend openai --base-url URL (a server), or --backend simulated (a dry run without a model).";

    @Option(names = "--model-url", paramLabel = "URL",
            description = "llama: download the model from URL instead of naming one with --model (stored under the "
                    + "last segment of its path).")
    URI modelUrl;

    @Option(names = "--model-sha256", paramLabel = "HEX",
            description = "llama: the SHA-256 the --model-url download must have; without it only its size and "
                    + "GGUF header are checked (the catalogue's models are pinned by size and SHA-256).")
    String modelSha256;

    @Option(names = "--offline",
            description = "llama: never download a model: use the model store as it is, and fail at once, naming "
                    + "the files to put there, when the model is not in it. Also: " + OFFLINE_VARIABLE + "=1.")
    boolean offline;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "llama: where downloaded models are kept (default: ~/.cache/grm4j/models).")
    Path modelDir;

    @Option(names = "--ctx-size", paramLabel = "TOKENS", defaultValue = "" + LlamaCppBackend.DEFAULT_CONTEXT_SIZE,
            description = "llama: the context of one call, prompt plus answer, in tokens; each slot has one "
                    + "(default: ${DEFAULT-VALUE}).")
    int contextSize;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "" + LlamaCppBackend.DEFAULT_SLOTS,
            description = "llama: calls decoded together on the one model, each with its own context of --ctx-size "
                    + "tokens (default: ${DEFAULT-VALUE}; 1 runs them one after another).")
    int slots;

    @Option(names = "--threads", paramLabel = "N",
            description = "llama: CPU threads for generation (default: all cores).")
    Integer threads;

    /**
     * Whether standard error is a terminal, where a progress bar belongs. On Linux this reads where file
     * descriptor 2 points; elsewhere it falls back to {@link System#console()}, which is there only when
     * standard input and output are terminals (so a redirected standard output hides the bar).
     */
    public static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd)) {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            }
        } catch (IOException | RuntimeException e) {
            // No /proc: fall back below.
        }
        return System.console() != null;
    }

    /** The error in these options, or null, for a command without {@code --model} and environment. */
    public String problem() {
        return problem(null, name -> null);
    }

    /**
     * The error in these options, with {@code --model} ({@code model}, null when not given) and the
     * command's environment (for {@value #OFFLINE_VARIABLE}), or null: checked before anything is loaded
     * or downloaded.
     */
    public String problem(String model, Function<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        if (contextSize < 256) {
            return "--ctx-size must be >= 256, was " + contextSize;
        }
        if (slots < 1 || slots > LlamaCppBackend.MAX_SLOTS) {
            return "--slots must be in 1.." + LlamaCppBackend.MAX_SLOTS + ", was " + slots;
        }
        if (threads != null && threads < 1) {
            return "--threads must be >= 1, was " + threads;
        }
        try {
            choose(model);
            isOffline(environment);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    /**
     * Loads the model {@code model} names with {@code --backend llama}: a GGUF file, or a catalogue model;
     * without it, {@code --model-url}'s file or the default model. Catalogue models and {@code --model-url}
     * come from the model store, downloaded first when missing (with a progress bar on {@code err} when
     * {@code terminal}), unless {@code --offline} or {@value #OFFLINE_VARIABLE} in {@code environment}
     * says offline.
     *
     * @throws IllegalArgumentException if {@link #problem(String, Function)} names an error
     * @throws ModelStoreException if the model cannot be had; its message ends with {@link #WAYS_FORWARD}
     * @throws dev.grm4j.core.backend.BackendException if llama.cpp cannot load the file
     */
    public LlamaCppBackend open(String model, Function<String, String> environment, PrintWriter err,
                                boolean terminal) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(err, "err");
        return open(storedModel(choose(model), environment, err, terminal), err, terminal);
    }

    /**
     * Loads {@code modelFile}, or without it (null) the model {@code --model-url} names or the default
     * model, as {@link #open(String, Function, PrintWriter, boolean)} does with no environment (only
     * {@code --offline} makes it offline).
     *
     * @throws ModelStoreException if the model cannot be had; its message ends with {@link #WAYS_FORWARD}
     * @throws dev.grm4j.core.backend.BackendException if llama.cpp cannot load the file
     */
    public LlamaCppBackend open(Path modelFile, PrintWriter err, boolean terminal) {
        Objects.requireNonNull(err, "err");
        Path file = modelFile;
        if (file == null) {
            file = storedModel(choose(null), name -> null, err, terminal);
        }
        LlamaCppBackend.Builder builder = LlamaCppBackend.builder(file).contextSize(contextSize).slots(slots);
        if (threads != null) {
            builder.threads(threads);
        }
        return builder.build();
    }

    /** What {@code --model} (or {@code --model-url}, or neither) names: exactly one of the three. */
    private record Choice(Path file, ModelCatalog.Entry entry, ModelSource download) {
    }

    /** @throws IllegalArgumentException naming the option at fault */
    private Choice choose(String model) {
        if (modelSha256 != null && modelUrl == null) {
            throw new IllegalArgumentException("--model-sha256 applies only with --model-url (the catalogue's models "
                    + "are pinned already)");
        }
        if (model != null) {
            if (modelUrl != null) {
                throw new IllegalArgumentException("--model and --model-url both name the model; give one");
            }
            if (isFile(model)) {
                return new Choice(Path.of(model), null, null);
            }
            String names = String.join(", ", ModelCatalog.names());
            return ModelCatalog.find(model).map(entry -> new Choice(null, entry, null))
                    .orElseThrow(() -> new IllegalArgumentException(model.endsWith(".gguf") || model.contains("/")
                            || model.contains(File.separator)
                            ? "--model: no such GGUF file: " + model + " (or name a catalogue model: " + names + ")"
                            : "--model: with --backend llama, a catalogue model (" + names + "; see grm models) or a "
                            + "GGUF file; neither: " + model));
        }
        if (modelUrl == null) {
            return new Choice(null, ModelCatalog.defaultModel(), null);
        }
        try {
            ModelSource download = ModelSource.of(modelUrl);
            return new Choice(null, null, modelSha256 == null ? download : download.withSha256(modelSha256));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((modelSha256 != null && e.getMessage().startsWith("sha256")
                    ? "--model-sha256: " : "--model-url: ") + e.getMessage(), e);
        }
    }

    private static boolean isFile(String model) {
        try {
            return Files.isRegularFile(Path.of(model));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * {@code --offline}, or {@value #OFFLINE_VARIABLE} set to 1 (true, yes, on); 0 (false, no, off) or
     * empty is online.
     *
     * @throws IllegalArgumentException if the variable holds anything else
     */
    private boolean isOffline(Function<String, String> environment) {
        String value = environment.apply(OFFLINE_VARIABLE);
        String flag = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        boolean variable = switch (flag) {
            case "", "0", "false", "no", "off" -> false;
            case "1", "true", "yes", "on" -> true;
            default -> throw new IllegalArgumentException(OFFLINE_VARIABLE + " must be 1 (offline) or 0, was '"
                    + value + "'");
        };
        return offline || variable;
    }

    /** The file llama.cpp opens for {@code choice}: the given file, or the store's copy, fetched if need be. */
    private Path storedModel(Choice choice, Function<String, String> environment, PrintWriter err, boolean terminal) {
        if (choice.file() != null) {
            return choice.file();
        }
        boolean offlineNow = isOffline(environment);
        ModelStore.Builder builder = ModelStore.builder().offline(offlineNow);
        if (modelDir != null) {
            builder.directory(modelDir);
        }
        if (terminal && !offlineNow) {
            builder.progressBar(err);
        }
        ModelStore store = builder.build();
        List<ModelSource> parts = choice.entry() != null ? choice.entry().parts() : List.of(choice.download());
        if (!terminal && !offlineNow) {
            for (ModelSource part : parts) {
                if (!Files.isRegularFile(store.pathOf(part))) {
                    err.println("note: downloading " + part.url() + " into " + store.directory() + " (once)");
                }
            }
            err.flush();
        }
        try {
            return choice.entry() != null ? store.fetch(choice.entry()) : store.fetch(choice.download());
        } catch (ModelStoreException e) {
            String because = !e.isOffline() ? ""
                    : offline ? " (Offline because of --offline.)" : " (Offline because " + OFFLINE_VARIABLE + " is set.)";
            String message = e.getMessage().endsWith(".") ? e.getMessage() : e.getMessage() + ".";
            throw new ModelStoreException(message + because + " " + WAYS_FORWARD, e, e.isUnreachable(), e.isOffline());
        }
    }
}
