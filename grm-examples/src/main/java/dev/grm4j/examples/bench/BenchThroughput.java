package dev.grm4j.examples.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Phase (b) of {@code grm bench}, against a server that answers at most C calls at once: a batch of
 * requests, its samples per second against the server's capacity, and this JVM's CPU time per sample
 * (the server runs in another process, so all of it is the client's: HTTP client, langchain4j, voting,
 * and the JVM's own JIT and GC threads).
 */
final class BenchThroughput {

    /** The most unmeasured runs of the batch before the measured one. */
    private static final int WARMUP_ROUNDS = 3;

    private final BenchSettings settings;
    private final BenchRequests requests;

    BenchThroughput(BenchSettings settings, BenchRequests requests) {
        this.settings = settings;
        this.requests = requests;
    }

    /** Runs the phase, reports it to {@code out} and {@code json}; returns the votes that failed. */
    int run(String baseUrl, PrintWriter out, ObjectNode json) throws InterruptedException {
        // Twice the server's slots in flight, so that its queue never runs dry between answers.
        int inFlight = 2 * settings.capacity();
        try (BenchClient client = new BenchClient(baseUrl, inFlight)) {
            VotingGrm voting = client.voting(settings.batchK(), inFlight, settings.seed());
            // Rounds of the very batch to be measured (its size and shape matter to the compilers): the
            // connections opened, and what is left to compile compiled.
            BenchWarmup.Result warmup = BenchWarmup.untilSettled(WARMUP_ROUNDS,
                    () -> BenchCommand.failures(voting.voteAll(requests.next(settings.batchRequests()))));
            out.printf(Locale.ROOT, "warm-up against the capped server: %s%n", warmup.describe());
            List<GrmRequest> batch = requests.next(settings.batchRequests());

            Map<String, BenchThreads.Thread> threadsBefore = BenchThreads.snapshot();
            BenchMeter.resetHeapPeaks();
            long jitStart = BenchMeter.jitMillis();
            long cpuStart = BenchMeter.processCpuNanos();
            long start = System.nanoTime();
            List<VoteResult> results = voting.voteAll(batch);
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = BenchMeter.processCpuNanos() - cpuStart;
            long jitMs = BenchMeter.jitMillis() - jitStart;
            Map<String, BenchThreads.Thread> threadsAfter = BenchThreads.snapshot();
            double heapPeakMb = BenchMeter.heapPeakMb();
            // With every result still held: what the batch keeps alive, garbage aside.
            double heapLiveMb = BenchMeter.heapLiveMb();

            long samples = results.stream().mapToLong(VoteResult::samplesRun).sum();
            long valid = results.stream().mapToLong(VoteResult::validSamples).sum();
            double perSecond = samples / seconds;
            double capacityPerSecond = settings.capacitySamplesPerSecond();
            double cpuUs = cpuStart < 0 ? -1 : cpu / 1e3 / samples;
            Map<String, Long> byThread = BenchThreads.since(threadsBefore, threadsAfter);
            // The compilers' share, where /proc tells it: warm-up the JVM has not finished, not per-sample work.
            Long compilers = byThread.isEmpty() ? null : byThread.entrySet().stream()
                    .filter(entry -> entry.getKey().contains("CompilerThre"))
                    .mapToLong(Map.Entry::getValue).sum();
            out.printf(Locale.ROOT, "(b) capacity %d, latency %d ms: %d requests x k=%d, %d samples (%d valid) "
                            + "in %.2f s: %.1f samples/s of %.1f (%.1f%%, target >= 90%%)%n",
                    settings.capacity(), settings.latencyMs(), settings.batchRequests(), settings.batchK(), samples,
                    valid, seconds, perSecond, capacityPerSecond, 100 * perSecond / capacityPerSecond);
            out.printf(Locale.ROOT, "    client CPU %.1f us/sample (target < 500; JIT and GC threads included)%n", cpuUs);
            if (compilers != null) {
                out.printf(Locale.ROOT, "    of which the JIT compilers %.1f us/sample: %.1f us/sample without them%n",
                        compilers / 1e3 / samples, (cpu - compilers) / 1e3 / samples);
            }
            if (settings.cpuByThread()) {
                byThread.forEach((group, nanos) -> out.printf(Locale.ROOT, "      %-20s %8.1f us/sample%n",
                        group, nanos / 1e3 / samples));
            }
            out.printf(Locale.ROOT, "    client heap: peak %.1f MB during the batch (garbage not yet collected "
                            + "included), %.1f MB live after it with all %d results held%n",
                    heapPeakMb, heapLiveMb, results.size());
            json.put("samples_per_s", BenchCommand.round(perSecond, 1));
            json.put("capacity_samples_per_s", BenchCommand.round(capacityPerSecond, 1));
            json.put("cpu_us_per_sample", BenchCommand.round(cpuUs, 1));
            json.put("batch_requests", settings.batchRequests());
            json.put("batch_k", settings.batchK());
            json.put("batch_samples", samples);
            json.put("batch_s", BenchCommand.round(seconds, 2));
            json.put("jit_ms", jitMs);
            if (compilers != null) {
                json.put("cpu_us_per_sample_excl_jit", BenchCommand.round((cpu - compilers) / 1e3 / samples, 1));
            }
            json.put("heap_mb_peak", BenchCommand.round(heapPeakMb, 1));
            json.put("heap_mb_live", BenchCommand.round(heapLiveMb, 1));
            return warmup.failed() + BenchCommand.failures(results);
        }
    }
}
