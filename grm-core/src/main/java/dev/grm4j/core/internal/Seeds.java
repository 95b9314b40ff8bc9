package dev.grm4j.core.internal;

/** The one seeding scheme: every seed derived in grm4j comes from here, so reruns agree everywhere. */
public final class Seeds {

    private Seeds() {
    }

    /**
     * Two longs into one well-spread seed: SplitMix64's finalizer over a golden-ratio combination, so
     * that nearby inputs (request 1, request 2; sample 0, sample 1) give unrelated streams.
     */
    public static long mix(long a, long b) {
        long z = a + 0x9E3779B97F4A7C15L * (b + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
