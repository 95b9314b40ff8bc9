package dev.grm4j.examples.llama;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A backend that runs a GGUF model in process on llama.cpp (through java-llama.cpp, {@code de.kherud:llama}):
 * no server, no network.
 *
 * <pre>{@code
 * try (LlamaCppBackend backend = LlamaCppBackend.builder(Path.of("qwen2.5-1.5b-instruct-q4_k_m.gguf")).build()) {
 *     PointwiseGrm grm = PointwiseGrm.builder(backend).build();
 *     Reward reward = grm.reward(GrmRequest.of("What is 2 + 2?", "4", "5"));
 * }
 * }</pre>
 *
 * <p><b>The prompt.</b> The messages are rendered with the model's own chat template (from its GGUF
 * file), and the rendered text is what the engine completes.
 *
 * <p><b>The grammar.</b> When the call carries an output spec ({@link CompletionRequest#output()}, set by
 * the judge for a GRM prompt), the output is constrained by a GBNF grammar to the GRM layout with exactly
 * as many integer scores as the spec has responses, in the spec's score range: criteria lines, one analysis line per response, then
 * {@code Scores: \boxed{s1, ..., sN}}. Every free-text run is bounded, and the bounds are fitted to the
 * call's output budget (at one character per token), so even a small model finishes within the budget
 * with an answer the parser accepts. Where the vocabulary spells common non-ASCII characters with
 * several (byte) tokens, the free text is limited to printable ASCII so that the bound holds. A call
 * without an output spec (principle generation, meta judging) is completed without a grammar.
 *
 * <p><b>Sampling.</b> Temperature (0 = greedy), seed and stop sequences are passed to the engine, and the
 * output budget becomes its token limit, cut to what the context leaves after the prompt. An answer
 * stopped by the limit comes back with {@link FinishReason#LENGTH}. A score range of more than
 * 1000 levels fails the call: the grammar would be an alternation of thousands of literals. Token usage is counted with the
 * model's tokenizer: the prompt exactly (without the BOS token), the output as the pieces the engine
 * streamed (the end-of-text token included; a character made of several byte tokens is one piece).
 *
 * <p><b>Parallel slots.</b> One model instance serves {@linkplain Builder#slots(int) slots} calls at
 * once ({@value #DEFAULT_SLOTS} by default): llama.cpp decodes the running calls together, one batch
 * per step, each with its own grammar, seed and budget (continuous batching), so the k samples of a
 * vote, and concurrent requests, share each pass over the weights instead of queueing for it. Each
 * slot has its own context of {@linkplain Builder#contextSize(int) contextSize} tokens: the engine's
 * KV cache is slots times that, about {@code 2 * layers * kvHeads * headDim * 2} bytes per token (28 KiB
 * for Qwen2.5-1.5B, so 224 MiB per slot of 8,192 tokens). A slot keeps its last prompt's cache, and a
 * call goes to the slot whose cache shares the longest prefix with its prompt, so a vote's samples
 * (which share everything before the responses) compute that prefix once per slot. Calls beyond the
 * slots wait in a queue, in arrival order. Batched matrix products round differently from single ones:
 * with more than one slot a seeded sample can differ in a rare token from the same seed run alone.
 * {@link #completeAsync} queues the call for one of {@code slots} daemon threads; cancelling its
 * future drops a queued call and stops a running one at the next token. Thread-safe.
 *
 * <p><b>Closing</b> waits for the running call, fails the queued ones with a {@link BackendException}
 * and frees the model. The engine may leave a native thread running after that (java-llama.cpp issue
 * 116): a command line program must end with {@link System#exit(int)}.
 */
public final class LlamaCppBackend implements LlmBackend, AutoCloseable {

    /** Per slot: enough for the GRM prompt and a 2048-token answer with a few long responses. */
    public static final int DEFAULT_CONTEXT_SIZE = 8192;
    /** Calls decoded together: half a default vote of 8 at once, 0.9 GiB of KV cache for Qwen2.5-1.5B. */
    public static final int DEFAULT_SLOTS = 4;
    /** More slots than this give no speed on a CPU and cost a context each. */
    public static final int MAX_SLOTS = 64;
    public static final int DEFAULT_MAX_CRITERIA = 6;
    public static final int DEFAULT_CRITERION_CHARS = 200;
    public static final int DEFAULT_ANALYSIS_CHARS = 1500;

    private final LlamaModel model;
    private final String modelName;
    private final int contextSize;
    private final boolean constrain;
    private final int maxCriteria;
    private final int criterionChars;
    private final int analysisChars;
    private final boolean asciiText;
    private final int slots;
    /** Calls hold it shared; {@link #close} exclusively, so that it waits for the running calls. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AsyncQueue queue;
    private volatile boolean closed;

    private LlamaCppBackend(Builder builder, LlamaModel model) {
        this.model = model;
        this.modelName = builder.modelName;
        this.contextSize = builder.contextSize;
        this.constrain = builder.constrain;
        this.maxCriteria = builder.maxCriteria;
        this.criterionChars = builder.criterionChars;
        this.analysisChars = builder.analysisChars;
        this.asciiText = tokensPerCharacter(model) > 1;
        this.slots = builder.slots;
        this.queue = new AsyncQueue("grm4j-llama-" + modelName, builder.slots);
    }

    /**
     * A builder for a backend on the GGUF file {@code modelFile}.
     *
     * @throws NullPointerException if {@code modelFile} is null
     */
    public static Builder builder(Path modelFile) {
        return new Builder(modelFile);
    }

    /**
     * In process, the model loaded when this backend was built: ready until it is closed. A probe
     * call would wait behind the judgements on the one engine thread, and so report a busy judge as
     * an unreachable one.
     */
    @Override
    public CompletableFuture<Void> probeAsync() {
        return closed ? CompletableFuture.failedFuture(closedException()) : CompletableFuture.completedFuture(null);
    }

    /**
     * Renders the messages with the model's chat template and queues their completion (under the GRM
     * grammar, for a call with an output spec) for one of the engine's slots; up to {@code slots} calls
     * decode together, the others wait in arrival order. The future fails with a {@link BackendException}, never retriable, if the backend is closed
     * before the call ran, the prompt does not fit the context, or the engine fails.
     */
    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        CompletableFuture<Completion> future = new CompletableFuture<>();
        if (!queue.submit(future, () -> {
            if (!future.isDone()) {
                try {
                    future.complete(run(request, future::isCancelled));
                } catch (RuntimeException | Error e) {
                    future.completeExceptionally(e);
                }
            }
        })) {
            future.completeExceptionally(closedException());
        }
        return future;
    }

    /** The model file's name without {@code .gguf}, unless the builder named it. */
    @Override
    public String modelName() {
        return modelName;
    }

    /**
     * The model's chat template applied to {@code messages}, ending with the assistant's turn opener:
     * the text the engine completes.
     *
     * @throws BackendException if the backend is closed
     */
    public String render(List<Message> messages) {
        Objects.requireNonNull(messages, "messages");
        lock.readLock().lock();
        try {
            requireOpen();
            return applyTemplate(messages);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Waits for the running call, fails the queued ones and frees the model. Idempotent. The JVM may
     * still not exit by itself afterwards (see the class comment).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.close(this::closedException);
        lock.writeLock().lock();
        try {
            model.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "LlamaCppBackend[" + modelName + ", " + slots + " slots of " + contextSize + " tokens]";
    }

    /** The calls decoded together. */
    public int slots() {
        return slots;
    }

    /** The most calls that have run at once so far: at most {@link #slots()}. */
    int peakRunning() {
        return queue.peakRunning();
    }

    /** Calls that ran (reached the engine) so far. */
    int callsRun() {
        return queue.callsRun();
    }

    private Completion run(CompletionRequest request, BooleanSupplier cancelled) {
        lock.readLock().lock();
        try {
            requireOpen();
            return generate(request, cancelled);
        } catch (BackendException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BackendException("llama.cpp failed: " + e.getMessage(), e, false, OptionalInt.empty(),
                    Optional.empty());
        } finally {
            lock.readLock().unlock();
        }
    }

    private Completion generate(CompletionRequest request, BooleanSupplier cancelled) {
        String prompt = applyTemplate(request.messages());
        int promptTokens = model.encode(prompt).length;
        int room = contextSize - promptTokens - 1;
        if (room < 1) {
            throw new BackendException("prompt of " + promptTokens + " tokens does not fit the context of "
                    + contextSize + " tokens; raise the context size", null, false, OptionalInt.empty(),
                    Optional.empty());
        }
        SamplingOptions sampling = request.sampling();
        int limit = Math.min(sampling.maxOutputTokens(), room);
        InferenceParameters parameters = new InferenceParameters(prompt)
                .setNPredict(limit)
                .setTemperature((float) sampling.temperature())
                .setCachePrompt(true);
        if (sampling.seed().isPresent()) {
            parameters.setSeed(engineSeed(sampling.seed().getAsLong()));
        }
        if (!sampling.stop().isEmpty()) {
            parameters.setStopStrings(sampling.stop().toArray(String[]::new));
        }
        GrmGrammar grammar = grammarFor(request, limit);
        if (grammar != null) {
            parameters.setGrammar(grammar.gbnf());
        }

        StringBuilder text = new StringBuilder();
        int pieces = 0;
        LlamaIterator tokens = model.generate(parameters).iterator();
        while (tokens.hasNext()) {
            if (cancelled.getAsBoolean()) {
                tokens.cancel();
                throw new BackendException("call cancelled", null, false, OptionalInt.empty(), Optional.empty());
            }
            LlamaOutput output = tokens.next();
            text.append(output.text);
            if (tokens.hasNext()) {
                pieces++; // the last output only carries the stop; every other one is a generated token
            }
        }
        String answer = text.toString();
        FinishReason finish = finishReason(answer, pieces, limit, grammar != null, !sampling.stop().isEmpty());
        int outputTokens = finish == FinishReason.LENGTH ? limit : pieces;
        return new Completion(answer, TokenUsage.of(promptTokens, outputTokens), finish);
    }

    /**
     * Under the grammar a finished answer ends with the box's closing brace, so anything else stopped
     * early: at a stop sequence if there were any, otherwise at the limit. Without a grammar, the pieces
     * (a lower bound on tokens) or the re-tokenized text reaching the limit means the limit stopped it.
     */
    private FinishReason finishReason(String answer, int pieces, int limit, boolean grammar, boolean stops) {
        if (grammar) {
            return GrmGrammar.isComplete(answer) || stops ? FinishReason.STOP : FinishReason.LENGTH;
        }
        if (pieces >= limit) {
            return FinishReason.LENGTH;
        }
        return !stops && model.encode(answer).length >= limit ? FinishReason.LENGTH : FinishReason.STOP;
    }

    /** The grammar for a GRM call, fitted to the budget, from its output spec; null for a free-text call. */
    private GrmGrammar grammarFor(CompletionRequest request, int limit) {
        if (!constrain || request.output().isEmpty()) {
            return null;
        }
        CompletionRequest.OutputSpec spec = request.output().get();
        if (spec.range().levels() > GrmGrammar.MAX_LEVELS) {
            throw new BackendException("score range " + spec.range() + " has more than " + GrmGrammar.MAX_LEVELS
                    + " levels: too many for a grammar", null, false, OptionalInt.empty(), Optional.empty());
        }
        return GrmGrammar.fitted(spec.size(), spec.range(), maxCriteria, criterionChars, analysisChars, asciiText,
                limit);
    }

    /**
     * The chat template wants one system text and alternating turns: system messages are joined, in
     * order, and the others keep their order.
     */
    private String applyTemplate(List<Message> messages) {
        List<String> system = new ArrayList<>();
        List<Pair<String, String>> turns = new ArrayList<>();
        for (Message message : messages) {
            switch (message.role()) {
                case SYSTEM -> system.add(message.content());
                case USER -> turns.add(new Pair<>("user", message.content()));
                case ASSISTANT -> turns.add(new Pair<>("assistant", message.content()));
            }
        }
        // setMessages alone leaves the prompt empty (GRM-NOTES section 4): render, then complete the text.
        InferenceParameters chat = new InferenceParameters("")
                .setMessages(system.isEmpty() ? null : String.join("\n\n", system), turns);
        return model.applyTemplate(chat);
    }

    /**
     * The most tokens the vocabulary spends on one of three common non-ASCII characters: 1 where it
     * has them as tokens, 2 to 4 where it falls back to byte tokens.
     */
    private static int tokensPerCharacter(LlamaModel model) {
        int base = model.encode("a").length;
        int most = 1;
        for (String probe : List.of("\u00e9", "\u4e2d", "\u2014")) {
            most = Math.max(most, model.encode("a" + probe).length - base);
        }
        return most;
    }

    /** llama.cpp reads the seed as 32 bits, and 0xFFFFFFFF as "pick one at random". */
    static int engineSeed(long seed) {
        int folded = (int) (seed ^ (seed >>> 32));
        return folded == -1 ? Integer.MAX_VALUE : folded;
    }

    private void requireOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private BackendException closedException() {
        return new BackendException("backend is closed: " + modelName, null, false, OptionalInt.empty(),
                Optional.empty());
    }

    /** Configures a {@link LlamaCppBackend}; each setter checks its argument. Not thread-safe. */
    public static final class Builder {

        private final Path modelFile;
        private String modelName;
        private int contextSize = DEFAULT_CONTEXT_SIZE;
        private int slots = DEFAULT_SLOTS;
        private int threads;
        private boolean constrain = true;
        private int maxCriteria = DEFAULT_MAX_CRITERIA;
        private int criterionChars = DEFAULT_CRITERION_CHARS;
        private int analysisChars = DEFAULT_ANALYSIS_CHARS;

        private Builder(Path modelFile) {
            this.modelFile = Objects.requireNonNull(modelFile, "modelFile");
            String file = modelFile.getFileName() == null ? modelFile.toString() : modelFile.getFileName().toString();
            this.modelName = file.toLowerCase(Locale.ROOT).endsWith(".gguf")
                    ? file.substring(0, file.length() - ".gguf".length()) : file;
        }

        /** The name recorded in judgements; the file name without {@code .gguf} by default. */
        public Builder modelName(String modelName) {
            Objects.requireNonNull(modelName, "modelName");
            if (modelName.isBlank()) {
                throw new IllegalArgumentException("modelName is blank");
            }
            this.modelName = modelName;
            return this;
        }

        /** Prompt plus output of one call, in tokens: each slot's context; {@value #DEFAULT_CONTEXT_SIZE} by default. */
        public Builder contextSize(int contextSize) {
            if (contextSize < 256) {
                throw new IllegalArgumentException("contextSize must be >= 256, was " + contextSize);
            }
            this.contextSize = contextSize;
            return this;
        }

        /**
         * Calls decoded together, 1..{@value #MAX_SLOTS}; {@value #DEFAULT_SLOTS} by default. Each costs a
         * context of KV cache (see the class comment); 1 runs calls one after another.
         */
        public Builder slots(int slots) {
            if (slots < 1 || slots > MAX_SLOTS) {
                throw new IllegalArgumentException("slots must be in 1.." + MAX_SLOTS + ", was " + slots);
            }
            this.slots = slots;
            return this;
        }

        /** CPU threads for generation; all cores by default (llama.cpp's choice). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Whether GRM prompts are completed under the GRM grammar; true by default. Turn it off to see
         * what the model writes unconstrained.
         */
        public Builder constrainOutput(boolean constrain) {
            this.constrain = constrain;
            return this;
        }

        /**
         * Caps on the grammar's free text: criteria lines (1..9), characters per criterion and per
         * response's analysis line. The budget of each call may lower the character caps further.
         */
        public Builder grammarLimits(int maxCriteria, int criterionChars, int analysisChars) {
            if (maxCriteria < 1 || maxCriteria > 9) {
                throw new IllegalArgumentException("maxCriteria must be in 1..9, was " + maxCriteria);
            }
            if (criterionChars < 1 || analysisChars < 1) {
                throw new IllegalArgumentException("criterionChars and analysisChars must be >= 1, were "
                        + criterionChars + " and " + analysisChars);
            }
            this.maxCriteria = maxCriteria;
            this.criterionChars = criterionChars;
            this.analysisChars = analysisChars;
            return this;
        }

        /**
         * Loads the model.
         *
         * @throws BackendException if the file is missing or not a model llama.cpp can load, or the
         *                          engine's native library does not load on this platform
         */
        public LlamaCppBackend build() {
            if (!Files.isRegularFile(modelFile)) {
                throw failure("model file not found: " + modelFile, null);
            }
            try {
                Natives.load();
            } catch (LinkageError e) {
                throw failure("llama.cpp's native library does not load on this platform ("
                        + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + "): " + e.getMessage(), e);
            }
            ModelParameters parameters = new ModelParameters()
                    .setModel(modelFile.toAbsolutePath().toString())
                    // llama.cpp splits its context evenly between the slots.
                    .setCtxSize(contextSize * slots)
                    .setParallel(slots)
                    .disableContextShift()
                    .disableLog();
            if (threads > 0) {
                parameters.setThreads(threads).setThreadsBatch(threads);
            }
            LlamaModel model;
            try {
                model = new LlamaModel(parameters);
            } catch (RuntimeException e) {
                throw failure("llama.cpp cannot load " + modelFile + ": " + e.getMessage(), e);
            }
            return new LlamaCppBackend(this, model);
        }

        private static BackendException failure(String message, Throwable cause) {
            return new BackendException(message, cause, false, OptionalInt.empty(), Optional.empty());
        }
    }

    /**
     * The daemon threads behind {@link #completeAsync}, one per slot (each waits on its call's tokens),
     * started as calls arrive, with a queue that {@link #close} can fail: an executor's shutdownNow
     * would drop the queued futures without completing them.
     */
    private static final class AsyncQueue {

        private final ArrayDeque<Task> tasks = new ArrayDeque<>();
        private final String threadName;
        private final int maxWorkers;
        private int workers;
        private int idle;
        private int running;
        private int peakRunning;
        private int callsRun;
        private boolean closed;

        AsyncQueue(String threadName, int maxWorkers) {
            this.threadName = threadName;
            this.maxWorkers = maxWorkers;
        }

        /** False when closed. */
        synchronized boolean submit(CompletableFuture<?> future, Runnable body) {
            if (closed) {
                return false;
            }
            tasks.addLast(new Task(future, body));
            if (idle < tasks.size() && workers < maxWorkers) {
                Thread worker = new Thread(this::work, threadName + "-" + workers);
                worker.setDaemon(true);
                workers++;
                worker.start();
            }
            notifyAll();
            return true;
        }

        synchronized void close(Supplier<? extends RuntimeException> failure) {
            closed = true;
            for (Task task : tasks) {
                task.future.completeExceptionally(failure.get());
            }
            tasks.clear();
            notifyAll();
        }

        private void work() {
            while (true) {
                Task task;
                synchronized (this) {
                    while (tasks.isEmpty() && !closed) {
                        idle++;
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        } finally {
                            idle--;
                        }
                    }
                    if (tasks.isEmpty()) {
                        return;
                    }
                    task = tasks.removeFirst();
                    if (!task.future.isDone()) {
                        running++;
                        callsRun++;
                        peakRunning = Math.max(peakRunning, running);
                    }
                }
                if (task.future.isDone()) {
                    continue; // cancelled while it waited
                }
                try {
                    task.body.run();
                } finally {
                    synchronized (this) {
                        running--;
                    }
                }
            }
        }

        synchronized int peakRunning() {
            return peakRunning;
        }

        synchronized int callsRun() {
            return callsRun;
        }

        private record Task(CompletableFuture<?> future, Runnable body) {
        }
    }
}
