package dev.grm4j.core.backend;

import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judge;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judgePrompt;
import static org.assertj.core.api.Assertions.assertThat;

/** Thousands of calls in flight hold no thread each. */
class OpenAiCompatibleBackendLoadTest {

    private static final int CALLS = 2000;

    @Test
    @Timeout(120)
    void two_thousand_concurrent_calls_complete_on_a_few_threads() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge(Duration.ofMillis(200))).build().start()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(server.baseUrl())
                    .modelName("simulated-judge").callTimeout(Duration.ofSeconds(60)).build();
            // A first round warms up the JIT and opens pooled connections, as a running voting client has.
            CompletableFuture.allOf(IntStream.range(0, 200).mapToObj(i -> backend.completeAsync(judgePrompt()))
                    .toArray(CompletableFuture[]::new)).join();
            long warmUpRequests = server.requestCount();
            int before = threads.getThreadCount();
            long startedBefore = threads.getTotalStartedThreadCount();
            threads.resetPeakThreadCount();
            AtomicInteger sampledPeak = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    sampledPeak.accumulateAndGet(Thread.activeCount(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "thread-count-sampler");
            sampler.setDaemon(true);
            sampler.start();

            // when
            long start = System.nanoTime();
            List<CompletableFuture<Completion>> calls = new ArrayList<>(CALLS);
            for (int i = 0; i < CALLS; i++) {
                calls.add(backend.completeAsync(judgePrompt()));
            }
            int inFlightAfterSending = backend.endpoints().get(0).inFlight();
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            long wallMillis = (System.nanoTime() - start) / 1_000_000;
            sampling.set(false);
            sampler.join();

            // then
            int peak = threads.getPeakThreadCount();
            long started = threads.getTotalStartedThreadCount() - startedBefore;
            System.out.printf("%d calls at 200 ms latency: wall %d ms; live threads %d before, peak %d (sampled %d);"
                            + " %d threads started during the run; %d in flight right after sending%n",
                    CALLS, wallMillis, before, peak, sampledPeak.get(), started, inFlightAfterSending);
            assertThat(calls).allSatisfy(call -> assertThat(call.join().text()).contains("Scores: \\boxed{"));
            assertThat(server.requestCount() - warmUpRequests).isEqualTo(CALLS);
            assertThat(backend.endpoints().get(0).inFlight()).isZero();
            assertThat(backend.endpoints().get(0).failures()).isZero();
            assertThat(peak).as("peak live threads").isLessThan(100);
        }
    }
}
