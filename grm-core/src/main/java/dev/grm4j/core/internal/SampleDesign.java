package dev.grm4j.core.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Which order each of a request's k samples presents the responses in, and which samples share a call.
 *
 * <p><b>Balanced.</b> Orders come in blocks: a block is the N cyclic rotations of one seeded random
 * permutation (a Latin square), so within a block every response sits at every position exactly once.
 * Each order of a block is sampled {@code copies} times. Whole blocks therefore cancel position bias by
 * construction; the last block of a design may be partial (k not a multiple of N), and is then spread
 * as evenly as possible. Blocks use distinct rotation classes while any are left, so the orders are all
 * distinct when k <= N! and {@code copies} is 1.
 *
 * <p><b>Waves.</b> A design is a list of waves, each a list of groups; a group is one order and how
 * many samples of it to draw, which a backend may answer with one call of n completions. An adaptive
 * vote decides after each wave whether to go on, so each wave holds whole blocks.
 *
 * <p>Sample indices run through the design wave by wave; within a wave, the samples of one order form
 * one group.
 */
public final class SampleDesign {

    /** How the orders of a request's samples are chosen. */
    public enum Shuffle {
        /** Blocks of rotations: every response at every position equally often. */
        BALANCED,
        /** A fresh seeded shuffle per sample, the way the paper and every peer shuffle. */
        RANDOM,
        /** The request's own order for every sample. */
        OFF
    }

    /**
     * One call's worth of samples.
     *
     * @param samples the indices of its samples, ascending
     * @param order   the presentation order every sample of the group uses
     */
    public record Group(List<Integer> samples, List<Integer> order) {
        public Group {
            samples = List.copyOf(samples);
            order = List.copyOf(order);
        }

        public int count() {
            return samples.size();
        }
    }

    private SampleDesign() {
    }

    /**
     * The design of k samples of a request with {@code size} responses. Sample i's order depends on the
     * seed, k, N and {@code wave} only, never on whether the vote is adaptive, so that an adaptive vote
     * and a full one draw the very same samples.
     *
     * @param wave     the fewest samples between two decisions of an adaptive vote (rounded up to whole
     *                 blocks); it also sets how many times a block samples each order once k > N!
     * @param adaptive whether the samples run in waves; if not, one wave holds all k
     * @param maxGroup the most samples one group may hold (calls are capped by the caller's limit)
     */
    public static List<List<Group>> plan(long requestSeed, int k, int size, Shuffle shuffle, int wave,
                                         boolean adaptive, int maxGroup) {
        if (k < 1 || size < 1 || wave < 1 || maxGroup < 1) {
            throw new IllegalArgumentException("k, size, wave and maxGroup must be >= 1, were "
                    + k + ", " + size + ", " + wave + ", " + maxGroup);
        }
        int copies = shuffle == Shuffle.BALANCED ? copies(k, size, wave) : 1;
        List<List<Integer>> orders = orders(requestSeed, k, size, shuffle, copies);
        int waveSize = !adaptive ? k
                : shuffle == Shuffle.BALANCED ? ceilDiv(Math.min(wave, k), size * copies) * size * copies
                : Math.min(wave, k);
        List<List<Group>> waves = new ArrayList<>();
        for (int from = 0; from < k; from += waveSize) {
            waves.add(groups(orders, from, Math.min(k, from + waveSize), maxGroup));
        }
        return waves;
    }

    /**
     * How many samples of each order a block draws: 1 while k distinct orders exist (k <= N!), so orders
     * stay distinct; otherwise enough that one block reaches a wave.
     */
    private static int copies(int k, int size, int wave) {
        return k <= factorialCapped(size) ? 1 : Math.max(1, ceilDiv(Math.min(wave, k), size));
    }

    /** The order of every sample, index by index. */
    private static List<List<Integer>> orders(long requestSeed, int k, int size, Shuffle shuffle, int copies) {
        List<List<Integer>> orders = new ArrayList<>(k);
        switch (shuffle) {
            case OFF -> {
                for (int i = 0; i < k; i++) {
                    orders.add(Seeds.order(requestSeed, i, size, false));
                }
            }
            case RANDOM -> {
                for (int i = 0; i < k; i++) {
                    orders.add(Seeds.order(requestSeed, i, size, true));
                }
            }
            case BALANCED -> balanced(requestSeed, k, size, copies, orders);
        }
        return orders;
    }

    private static void balanced(long requestSeed, int k, int size, int copies, List<List<Integer>> orders) {
        long classes = factorialCapped(size - 1);
        Set<List<Integer>> usedClasses = new HashSet<>();
        SplittableRandom random = new SplittableRandom(Seeds.mix(requestSeed, 0x5A3E_D1B1L));
        for (int block = 0; orders.size() < k; block++) {
            if (usedClasses.size() == classes) {
                usedClasses.clear(); // every rotation class used: orders repeat from here on
            }
            List<Integer> base = permutation(random, size);
            while (!usedClasses.add(canonical(base))) {
                base = permutation(random, size);
            }
            int remaining = k - orders.size();
            int blockSize = Math.min(remaining, size * copies);
            // A partial block spreads its samples over as many rotations as it can, copies as even as possible.
            for (int r = 0; r < size && orders.size() < k; r++) {
                int take = blockSize / size + (r < blockSize % size ? 1 : 0);
                List<Integer> rotated = rotation(base, r);
                for (int c = 0; c < take; c++) {
                    orders.add(rotated);
                }
            }
        }
    }

    /** Samples {@code from .. to-1} as groups: the samples of one order together, at most maxGroup a group. */
    private static List<Group> groups(List<List<Integer>> orders, int from, int to, int maxGroup) {
        Map<List<Integer>, List<Integer>> byOrder = new LinkedHashMap<>();
        for (int i = from; i < to; i++) {
            byOrder.computeIfAbsent(orders.get(i), order -> new ArrayList<>()).add(i);
        }
        List<Group> groups = new ArrayList<>();
        byOrder.forEach((order, samples) -> {
            for (int start = 0; start < samples.size(); start += maxGroup) {
                groups.add(new Group(samples.subList(start, Math.min(samples.size(), start + maxGroup)), order));
            }
        });
        return groups;
    }

    /** Position p shows {@code base[(p + r) mod N]}. */
    private static List<Integer> rotation(List<Integer> base, int r) {
        int n = base.size();
        List<Integer> rotated = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            rotated.add(base.get((p + r) % n));
        }
        return List.copyOf(rotated);
    }

    /** The rotation of {@code order} that starts with response 0: one name for its whole block. */
    private static List<Integer> canonical(List<Integer> order) {
        return rotation(order, order.indexOf(0));
    }

    private static List<Integer> permutation(SplittableRandom random, int size) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return List.of(order);
    }

    /** n!, or Long.MAX_VALUE once it would overflow (n > 20): "more orders than any k". */
    private static long factorialCapped(int n) {
        long f = 1;
        for (int i = 2; i <= n; i++) {
            if (f > Long.MAX_VALUE / i) {
                return Long.MAX_VALUE;
            }
            f *= i;
        }
        return f;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
