package dev.grm4j.examples.bench;

import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.LangChain4jBackend;
import dev.grm4j.voting.VotingGrm;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of {@code grm bench}, as an application would build it: langchain4j's OpenAI client
 * with its default HTTP client (the JDK's), wrapped in {@link LangChain4jBackend} and a
 * {@link PointwiseGrm}, voted by {@link VotingGrm}s that share it.
 */
final class BenchClient implements AutoCloseable {

    private final ExecutorService calls;
    private final PointwiseGrm grm;

    /**
     * @param baseUrl     the OpenAI base URL of the server
     * @param maxInFlight the most calls the voting models built here will have in flight: the OpenAI
     *                    client blocks a thread per call, so the backend gets that many threads
     */
    BenchClient(String baseUrl, int maxInFlight) {
        AtomicInteger count = new AtomicInteger();
        this.calls = Executors.newFixedThreadPool(maxInFlight, task -> {
            Thread thread = new Thread(task, "grm-bench-call-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey("no-key")
                .modelName("simulated-judge")
                // VotingGrm retries; retries here too would multiply.
                .maxRetries(0)
                .timeout(Duration.ofSeconds(60))
                .build();
        LangChain4jBackend backend = LangChain4jBackend.builder(model)
                .parameters(BenchClient::parameters)
                .executor(calls)
                .build();
        this.grm = PointwiseGrm.builder(backend).build();
    }

    /** Voting@k over this client with at most {@code maxConcurrency} calls in flight. */
    VotingGrm voting(int k, int maxConcurrency, long seed) {
        return VotingGrm.builder(grm).k(k).maxConcurrency(maxConcurrency).seed(seed).build();
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }

    private static OpenAiChatRequestParameters parameters(SamplingOptions sampling) {
        return OpenAiChatRequestParameters.builder()
                .temperature(sampling.temperature())
                .maxOutputTokens(sampling.maxOutputTokens())
                .seed(sampling.seed().isPresent() ? (int) sampling.seed().getAsLong() : null)
                .build();
    }
}
