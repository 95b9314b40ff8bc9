package dev.grm4j.examples.bench;

import java.util.function.IntSupplier;

/**
 * Warms {@code grm bench}'s client up until the JIT compilers have nothing left to do, so that their
 * work is not counted as the cost of the samples measured next.
 *
 * <p>Why rounds: on a small machine under load the compilers fall behind (the scheduler shares the cores
 * per thread, and hundreds of client threads outvote two compiler threads), and the JVM then raises its
 * compile thresholds; the methods left behind are compiled only when traffic resumes. So a round of the
 * workload to be measured runs, the compilers are given time to finish, and this repeats until a round
 * costs them almost nothing.
 */
final class BenchWarmup {

    /** A round whose compiler work stays under this counts as settled. */
    static final long SETTLED_JIT_MS = 50;

    /** The longest wait for the compilers after one round. */
    static final long JIT_WAIT_MS = 30_000;

    /**
     * @param rounds   rounds run
     * @param failed   votes that failed in them
     * @param settled  whether the last round cost the compilers under {@link #SETTLED_JIT_MS}
     * @param seconds  wall time of the warm-up
     */
    record Result(int rounds, int failed, boolean settled, double seconds) {
        String describe() {
            return String.format(java.util.Locale.ROOT, "%d rounds in %.1f s, JIT %s", rounds, seconds,
                    settled ? "settled" : "still compiling");
        }
    }

    private BenchWarmup() {
    }

    /**
     * Runs {@code round} (which returns its failed votes) until the JIT settles, at most {@code maxRounds}
     * times.
     *
     * @throws InterruptedException if interrupted while waiting for the compilers
     */
    static Result untilSettled(int maxRounds, IntSupplier round) throws InterruptedException {
        long start = System.nanoTime();
        int failed = 0;
        for (int rounds = 1; ; rounds++) {
            long jitBefore = BenchMeter.jitMillis();
            failed += round.getAsInt();
            BenchMeter.awaitJitIdle(JIT_WAIT_MS);
            long jit = BenchMeter.jitMillis() - jitBefore;
            boolean settled = jitBefore < 0 || jit < SETTLED_JIT_MS;
            if (settled || rounds == maxRounds) {
                return new Result(rounds, failed, settled, (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
