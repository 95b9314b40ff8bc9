package dev.grm4j.core.internal;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The one seeding scheme: every seed derived in grm4j comes from here, so reruns agree everywhere.
 * A sampler (voting, RFT data) derives, from its own seed and a request's content fingerprint, one
 * request seed; from that and the sample index {@code i}, sample {@code i}'s provider seed and its
 * presentation order.
 */
public final class Seeds {

    private Seeds() {
    }

    /**
     * Two longs into one well-spread seed: SplitMix64's finalizer over a golden-ratio
     * combination, so that nearby inputs (request 1, request 2; sample 0, sample 1) give unrelated streams.
     */
    public static long mix(long a, long b) {
        long z = a + 0x9E3779B97F4A7C15L * (b + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The seed of one request's samples: the sampler's seed mixed with the request's fingerprint. */
    public static long request(long seed, long fingerprint) {
        return mix(seed, fingerprint);
    }

    /** The provider seed of sample {@code index} (0-based) of a request. */
    public static long sampling(long requestSeed, int index) {
        return mix(requestSeed, index + 1);
    }

    /**
     * The seed of completion {@code index} of a call for several (0-based), when a backend makes one
     * call per completion: the call's seed for the first, a derived one for each other.
     */
    public static long choice(long callSeed, int index) {
        return index == 0 ? callSeed : mix(callSeed, 0x7F4A_7C15L + index);
    }

    /**
     * The presentation order of sample {@code index}: a Fisher-Yates shuffle of {@code 0..size-1}
     * seeded from the request seed and the index, or the identity when {@code shuffle} is off.
     */
    public static List<Integer> order(long requestSeed, int index, int size, boolean shuffle) {
        Integer[] order = IntStream.range(0, size).boxed().toArray(Integer[]::new);
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(mix(requestSeed, -(index + 1)));
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return List.of(order);
    }
}
