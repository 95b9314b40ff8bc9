package dev.grm4j.voting;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Suite 5 of issue 7: one shared {@link VotingGrm} under load from many caller threads against the
 * loopback {@link SimulatedJudgeServer}. It must not deadlock, must leak no threads or connections, must
 * keep its heap bounded, and must give exactly the results of a sequential run with the same seeds.
 */
class ReliabilityLoadTest {

    private static final int K = 4;
    private static final long SEED = 20_240_607L;
    private static final Duration LATENCY = Duration.ofMillis(5);
    private static final int MAX_CONCURRENCY = 64;

    @Test
    @Timeout(180)
    void a_thousand_requests_from_16_threads_match_a_sequential_run() throws Exception {
        load(1_000, 16);
    }

    @Test
    @Tag("long")
    @Timeout(900)
    void ten_thousand_requests_from_64_threads_match_a_sequential_run() throws Exception {
        load(10_000, 64);
    }

    private void load(int requests, int callers) throws Exception {
        List<GrmRequest> batch = IntStream.range(0, requests).mapToObj(ReliabilityLoadTest::request).toList();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadsBefore = threads.getThreadCount();

        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge(LATENCY)).capacity(MAX_CONCURRENCY)
                .build().start()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(server.baseUrl())
                    .modelName("simulated-judge").callTimeout(Duration.ofSeconds(30)).build();
            VotingGrm voting = voting(backend, MAX_CONCURRENCY).callTimeout(Duration.ofSeconds(30))
                    .deadline(Duration.ofMinutes(5)).build();

            // Warm up: the fixed pools (HTTP client, voting, server) fill up; this is the baseline.
            runConcurrently(voting, batch.subList(0, Math.min(256, requests)), callers);
            settle(threads, Integer.MAX_VALUE);
            int baseline = threads.getThreadCount();
            long requestsBefore = server.requestCount();
            long completionsBefore = server.completionCount();

            resetHeapPeaks();
            threads.resetPeakThreadCount();
            AtomicInteger peakConnections = new AtomicInteger();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peakConnections.accumulateAndGet(establishedTo(server.port()), Math::max);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "reliability-connection-sampler");
            sampler.setDaemon(true);
            sampler.start();

            long start = System.nanoTime();
            String[] concurrent = runConcurrently(voting, batch, callers);
            long wallMs = (System.nanoTime() - start) / 1_000_000;
            int peakThreads = threads.getPeakThreadCount();
            long peakHeap = peakHeapUsed();
            sampler.interrupt();
            sampler.join();
            long calls = server.requestCount() - requestsBefore;
            long completions = server.completionCount() - completionsBefore;
            int threadsAfter = settle(threads, baseline + 4);
            int connectionsAfter = establishedTo(server.port());

            // The same shared model still serves after the load: no leaked permits or connections.
            long secondStart = System.nanoTime();
            String[] second = runConcurrently(voting, batch.subList(0, Math.min(500, requests)), callers);
            long secondMs = (System.nanoTime() - secondStart) / 1_000_000;

            long sequentialStart = System.nanoTime();
            String[] sequential = sequential(batch);
            long sequentialMs = (System.nanoTime() - sequentialStart) / 1_000_000;

            System.out.printf(Locale.ROOT, "%nload %d requests x k=%d from %d threads: wall %d ms (%.0f calls/s),"
                            + " %d calls; peak used heap %d MB (max %d MB); threads: before %d, baseline %d, peak %d,"
                            + " after %d; server connections: peak %d, after %d; second run of %d: %d ms;"
                            + " sequential in-process reference: %d ms%n",
                    requests, K, callers, wallMs, calls * 1000.0 / wallMs, calls, peakHeap >> 20,
                    Runtime.getRuntime().maxMemory() >> 20, threadsBefore, baseline, peakThreads, threadsAfter,
                    peakConnections.get(), connectionsAfter, second.length, secondMs, sequentialMs);

            assertThat(completions).as("one completion per sample, no retries").isEqualTo((long) requests * K);
            assertThat(calls).as("samples of one order share a call").isLessThan(completions);
            assertThat(threadsAfter).as("live threads after the load and a settle").isLessThanOrEqualTo(baseline + 4);
            assertThat(peakHeap).as("peak used heap").isLessThan(1L << 30);
            assertThat(connectionsAfter).as("open connections after the load").isLessThanOrEqualTo(MAX_CONCURRENCY + 8);
            assertThat(voting.inFlight()).isZero();
            for (int i = 0; i < requests; i++) {
                assertThat(concurrent[i]).as("request %d under load vs sequential", i).isEqualTo(sequential[i]);
                assertThat(concurrent[i]).startsWith("VOTED");
            }
            for (int i = 0; i < second.length; i++) {
                assertThat(second[i]).as("request %d in the second run", i).isEqualTo(sequential[i]);
            }
        }
    }

    /** {@code callers} threads take requests off a shared counter and vote them on the one shared model. */
    private static String[] runConcurrently(VotingGrm voting, List<GrmRequest> batch, int callers)
            throws InterruptedException {
        String[] results = new String[batch.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(callers);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            Thread caller = new Thread(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < batch.size(); ) {
                        results[i] = fingerprint(voting.vote(batch.get(i)));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "reliability-caller-" + t);
            caller.start();
            started.add(caller);
        }
        for (Thread caller : started) {
            caller.join();
        }
        assertThat(failure.get()).as("an exception escaped a caller").isNull();
        return results;
    }

    /**
     * The same requests, one at a time, against the judge in process: the reference answers. The judge
     * answers a call for n samples as the server does (n choices, choice i seeded
     * {@code Seeds.choice(seed, i)}), so the reference makes the same calls the load run makes over HTTP.
     */
    private static String[] sequential(List<GrmRequest> batch) {
        SimulatedJudge judge = judge(Duration.ZERO);
        LlmBackend asServed = new LlmBackend() {
            @Override
            public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
                return judge.completeAsync(request);
            }

            @Override
            public boolean samplesInOneCall() {
                return true;
            }

            @Override
            public String modelName() {
                return judge.modelName();
            }
        };
        VotingGrm voting = voting(asServed, MAX_CONCURRENCY).build();
        String[] results = new String[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            results[i] = fingerprint(voting.vote(batch.get(i)));
        }
        return results;
    }

    private static VotingGrm.Builder voting(LlmBackend backend, int maxConcurrency) {
        return VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(K).seed(SEED)
                .maxConcurrency(maxConcurrency);
    }

    private static SimulatedJudge judge(Duration latency) {
        return SimulatedJudge.builder().seed(3).latency(latency).build();
    }

    private static GrmRequest request(int i) {
        return i % 3 == 0
                ? GrmRequest.of("Question " + i + ": which is right?", "answer A" + i, "answer B" + i, "answer C" + i)
                : GrmRequest.of("Question " + i + ": which is right?", "answer A" + i, "answer B" + i);
    }

    /** Everything a vote decided: status, totals, best, each sample's order and scores. */
    private static String fingerprint(VoteResult result) {
        StringBuilder text = new StringBuilder(result.status().name());
        if (result.isVoted()) {
            text.append(" totals=").append(result.totals()).append(" best=").append(result.best());
        }
        text.append(" perms=").append(result.permutations()).append(" scores=");
        for (Judgement sample : result.samples()) {
            text.append(sample.isScored() ? sample.scores().toString() : sample.outcome().name()).append(';');
        }
        return text.toString();
    }

    /** Waits up to 5 s for the live thread count to fall to {@code target}; returns the count reached. */
    private static int settle(ThreadMXBean threads, int target) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int previous = -1;
        while (System.nanoTime() < until) {
            int count = threads.getThreadCount();
            if (count <= target || (target == Integer.MAX_VALUE && count == previous)) {
                return count;
            }
            previous = count;
            Thread.sleep(250);
        }
        return threads.getThreadCount();
    }

    private static void resetHeapPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The sum of each heap pool's peak: an upper bound of the peak used heap. */
    private static long peakHeapUsed() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Established TCP connections on loopback whose one end is {@code port}, from /proc/net/tcp (Linux). */
    private static int establishedTo(int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        int count = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] fields = line.trim().split("\\s+");
                    // Server side: the local address is the server's port; state 01 is ESTABLISHED.
                    if (fields.length > 3 && fields[1].endsWith(hexPort) && "01".equals(fields[3])) {
                        count++;
                    }
                }
            } catch (IOException e) {
                return -1;
            }
        }
        return count;
    }
}
