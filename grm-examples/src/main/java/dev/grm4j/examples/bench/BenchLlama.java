package dev.grm4j.examples.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.examples.llama.LlamaCppBackend;
import dev.grm4j.examples.llama.RandomGguf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * {@code grm bench --llama}: what the embedded engine's parallel slots buy a vote. On a random-weight
 * llama model of about 100M parameters ({@link RandomGguf.Shape#BENCH}, written once into the model
 * store), one backend with k slots times, in one run: one sample alone, the k samples of a vote sent at
 * once (decoded together in the slots), and the same k samples one after another. Every sample decodes
 * exactly its budget (the model never ends early), so the three compare like with like.
 *
 * <p>The samples are the calls a vote makes of a backend that samples one completion per call: one
 * prompt, k seeds. The prompt is short on purpose: decoding, which the slots share, is what is
 * measured; a real GRM prompt's prefill is computed once per slot.
 */
final class BenchLlama {

    /** Each figure is the median of this many runs: the machine is shared. */
    private static final int RUNS = 3;

    private final int k;
    private final int tokens;
    private final long seed;
    private final Path store;
    private final RandomGguf.Shape shape;

    BenchLlama(int k, int tokens, long seed, Path store) {
        this(k, tokens, seed, store, RandomGguf.Shape.BENCH);
    }

    /** @param shape a model that {@linkplain RandomGguf.Shape#neverEnds() never ends early} */
    BenchLlama(int k, int tokens, long seed, Path store, RandomGguf.Shape shape) {
        if (!shape.neverEnds()) {
            throw new IllegalArgumentException("the benchmark needs a model that never ends early, not " + shape.name());
        }
        this.k = k;
        this.tokens = tokens;
        this.seed = seed;
        this.store = store;
        this.shape = shape;
    }

    /** Runs the benchmark, printing progress on {@code out}; returns the last line's figures. */
    ObjectNode run(PrintWriter out) throws IOException {
        Path model = model(out);
        try (LlamaCppBackend backend = LlamaCppBackend.builder(model).slots(k).contextSize(512).build()) {
            sample(backend, seed); // warm-up: the first call pages the weights in
            double single = median(() -> {
                long start = System.nanoTime();
                check(List.of(sample(backend, seed + 1)));
                return System.nanoTime() - start;
            });
            out.printf(Locale.ROOT, "one sample of %d tokens: %.0f ms%n", tokens, single / 1e6);
            out.flush();
            double parallel = median(() -> {
                long start = System.nanoTime();
                List<CompletableFuture<Completion>> calls = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    calls.add(backend.completeAsync(request(seed + 100 + i)));
                }
                check(calls.stream().map(CompletableFuture::join).toList());
                return System.nanoTime() - start;
            });
            out.printf(Locale.ROOT, "Voting@%d in %d parallel slots: %.0f ms (%.2fx one sample)%n", k, k,
                    parallel / 1e6, parallel / single);
            out.flush();
            double serialized = median(() -> {
                long start = System.nanoTime();
                List<Completion> answers = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    answers.add(sample(backend, seed + 100 + i));
                }
                check(answers);
                return System.nanoTime() - start;
            });
            out.printf(Locale.ROOT, "Voting@%d serialized: %.0f ms (%.2fx one sample)%n", k, serialized / 1e6,
                    serialized / single);
            out.flush();
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            json.put("k", k);
            json.put("params", shape.parameters());
            json.put("single_ms", BenchCommand.round(single / 1e6, 1));
            json.put("parallel_ratio", BenchCommand.round(parallel / single, 3));
            json.put("serialized_ratio", BenchCommand.round(serialized / single, 3));
            json.put("tokens_per_s", BenchCommand.round(k * (double) tokens / (parallel / 1e9), 1));
            return json;
        }
    }

    /** The benchmark model in the store, written first when it is not there (or not whole). */
    private Path model(PrintWriter out) throws IOException {
        Path file = store.resolve(shape.name() + ".gguf");
        if (Files.isRegularFile(file) && Files.size(file) == shape.fileBytes()) {
            return file;
        }
        Files.createDirectories(store);
        out.printf(Locale.ROOT, "writing %s (%,d parameters, %,d MB) once into %s%n", file.getFileName(),
                shape.parameters(), shape.fileBytes() >> 20, store);
        out.flush();
        Path part = store.resolve(file.getFileName() + ".part");
        RandomGguf.write(part, shape, 7);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    private CompletionRequest request(long sampleSeed) {
        return new CompletionRequest(List.of(new Message(Message.Role.USER, "Rate the response: it is 51.")),
                SamplingOptions.sampled(0.8).withMaxOutputTokens(tokens).withSeed(sampleSeed));
    }

    private Completion sample(LlamaCppBackend backend, long sampleSeed) {
        return backend.complete(request(sampleSeed));
    }

    /** Every sample must have decoded its whole budget, or the timings compare unlike work. */
    private void check(List<Completion> answers) {
        for (Completion answer : answers) {
            if (answer.usage().outputTokens() != tokens) {
                throw new IllegalStateException("a sample decoded " + answer.usage().outputTokens() + " tokens, not "
                        + tokens + " (finish " + answer.finishReason() + "): the timings would compare unlike work");
            }
        }
    }

    private interface Timed {
        long nanos();
    }

    private static double median(Timed timed) {
        long[] runs = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            runs[i] = timed.nanos();
        }
        Arrays.sort(runs);
        return runs[RUNS / 2];
    }
}
