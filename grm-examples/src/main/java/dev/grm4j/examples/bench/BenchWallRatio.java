package dev.grm4j.examples.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.voting.VotingGrm;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Phase (a) of {@code grm bench}, against a server of unlimited capacity: after the warm-up, the wall
 * time of one Voting@k request over that of one single-sample request. Voting runs its samples in
 * parallel, so the ratio should stay near 1; what it adds is the library's and the HTTP client's doing.
 */
final class BenchWallRatio {

    /** Calls in flight during the warm-up burst: enough to make it quick at any latency. */
    private static final int WARMUP_IN_FLIGHT = 128;

    /** Rounds of timed-like requests after the burst, to compile what the burst did not reach. */
    private static final int SETTLE_ROUNDS = 2;

    private final BenchSettings settings;
    private final BenchRequests requests;

    BenchWallRatio(BenchSettings settings, BenchRequests requests) {
        this.settings = settings;
        this.requests = requests;
    }

    /** Runs the phase, reports it to {@code out} and {@code json}; returns the votes that failed. */
    int run(String baseUrl, PrintWriter out, ObjectNode json) throws InterruptedException {
        int k = settings.k();
        int warmupInFlight = Math.max(k, WARMUP_IN_FLIGHT);
        try (BenchClient client = new BenchClient(baseUrl, warmupInFlight)) {
            VotingGrm burst = client.voting(settings.batchK(), warmupInFlight, settings.seed());
            VotingGrm single = client.voting(1, k, settings.seed());
            VotingGrm voting = client.voting(k, k, settings.seed());
            // First a burst, many calls in flight, so that the hot paths of this JVM and of the server
            // reach the compilers' thresholds (some 10^4 calls) quickly; then rounds of what is measured.
            int burstRequests = (settings.warmupSamples() + settings.batchK() - 1) / settings.batchK();
            int failed = BenchCommand.failures(burst.voteAll(requests.next(burstRequests)));
            BenchMeter.awaitJitIdle(BenchWarmup.JIT_WAIT_MS);
            BenchWarmup.Result settle = BenchWarmup.untilSettled(SETTLE_ROUNDS, () -> {
                int roundFailed = 0;
                for (GrmRequest request : requests.next(4)) {
                    roundFailed += single.vote(request).isVoted() ? 0 : 1;
                    roundFailed += voting.vote(request).isVoted() ? 0 : 1;
                }
                return roundFailed;
            });
            failed += settle.failed();
            out.printf(Locale.ROOT, "warm-up: %d samples at %d in flight, then Voting@%d and single requests (%s)%n",
                    burstRequests * settings.batchK(), warmupInFlight, k, settle.describe());

            int repeats = settings.repeats();
            double[] singleMs = new double[repeats];
            double[] votingMs = new double[repeats];
            List<GrmRequest> timed = requests.next(2 * repeats);
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                failed += single.vote(timed.get(2 * i)).isVoted() ? 0 : 1;
                singleMs[i] = (System.nanoTime() - start) / 1e6;
                start = System.nanoTime();
                failed += voting.vote(timed.get(2 * i + 1)).isVoted() ? 0 : 1;
                votingMs[i] = (System.nanoTime() - start) / 1e6;
            }
            double ratio = median(votingMs) / median(singleMs);
            out.printf(Locale.ROOT, "(a) unlimited capacity, latency %d ms: single sample %.1f ms, Voting@%d %.1f ms "
                            + "(medians of %d): ratio %.3f (target <= 1.15)%n",
                    settings.latencyMs(), median(singleMs), k, median(votingMs), repeats, ratio);
            json.put("wall_ratio_vs_single", BenchCommand.round(ratio, 3));
            json.put("single_ms", BenchCommand.round(median(singleMs), 1));
            json.put("voting_ms", BenchCommand.round(median(votingMs), 1));
            return failed;
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
