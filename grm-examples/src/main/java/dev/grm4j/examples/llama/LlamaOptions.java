package dev.grm4j.examples.llama;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The command line's options for {@code --backend llama} (a picocli mixin), and what they open: the
 * GGUF file {@code --model} names, or else the default model from the model store, downloaded once.
 */
public final class LlamaOptions {

    /** The options below, for commands that reject them with other backends. */
    public static final List<String> NAMES =
            List.of("--model-url", "--model-sha256", "--model-dir", "--ctx-size", "--threads");

    /** What to do when there is no model: printed whenever the default model cannot be had. */
    public static final String WAYS_FORWARD = "Ways forward: --model FILE.gguf (a model you have), "
            + "--backend openai --base-url URL (a server), or --backend simulated (a dry run without a model).";

    @Option(names = "--model-url", paramLabel = "URL",
            description = "llama: where to download the model from when --model is not given "
                    + "(default: Qwen2.5-1.5B-Instruct Q4_K_M from Qwen's GGUF repository on Hugging Face).")
    URI modelUrl;

    @Option(names = "--model-sha256", paramLabel = "HEX",
            description = "llama: the SHA-256 a downloaded model must have; without it only its size and "
                    + "GGUF header are checked.")
    String modelSha256;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "llama: where downloaded models are kept (default: ~/.cache/grm4j/models).")
    Path modelDir;

    @Option(names = "--ctx-size", paramLabel = "TOKENS", defaultValue = "" + LlamaCppBackend.DEFAULT_CONTEXT_SIZE,
            description = "llama: the context, prompt plus answer, in tokens (default: ${DEFAULT-VALUE}).")
    int contextSize;

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

    /** The source {@code --model-url} and {@code --model-sha256} describe; the default model without them. */
    public ModelSource source() {
        ModelSource source = modelUrl == null ? ModelCatalog.defaultModel().firstPart() : ModelSource.of(modelUrl);
        return modelSha256 == null ? source : source.withSha256(modelSha256);
    }

    /** The error in these options, or null: checked before anything is loaded or downloaded. */
    public String problem() {
        if (contextSize < 256) {
            return "--ctx-size must be >= 256, was " + contextSize;
        }
        if (threads != null && threads < 1) {
            return "--threads must be >= 1, was " + threads;
        }
        try {
            source();
        } catch (IllegalArgumentException e) {
            return (modelSha256 != null && e.getMessage().startsWith("sha256") ? "--model-sha256: " : "--model-url: ")
                    + e.getMessage();
        }
        return null;
    }

    /**
     * Loads the model: {@code modelFile} when given, else the model store's copy of {@link #source()},
     * downloaded first when missing (with a progress bar on {@code err} when {@code terminal}).
     *
     * @throws ModelStoreException if the model cannot be downloaded; its message ends with
     *                             {@link #WAYS_FORWARD}
     * @throws dev.grm4j.core.backend.BackendException if llama.cpp cannot load the file
     */
    public LlamaCppBackend open(Path modelFile, PrintWriter err, boolean terminal) {
        Objects.requireNonNull(err, "err");
        Path file = modelFile;
        if (file == null) {
            ModelStore.Builder store = ModelStore.builder();
            if (modelDir != null) {
                store.directory(modelDir);
            }
            if (terminal) {
                store.progressBar(err);
            }
            ModelSource source = source();
            ModelStore built = store.build();
            if (!terminal && !Files.isRegularFile(built.pathOf(source))) {
                err.println("note: downloading " + source.url() + " into " + built.directory() + " (once)");
                err.flush();
            }
            try {
                file = built.fetch(source);
            } catch (ModelStoreException e) {
                throw new ModelStoreException(e.getMessage() + ". " + WAYS_FORWARD, e, e.isUnreachable());
            }
        }
        LlamaCppBackend.Builder builder = LlamaCppBackend.builder(file).contextSize(contextSize);
        if (threads != null) {
            builder.threads(threads);
        }
        return builder.build();
    }
}
