package dev.grm4j.voting;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.voting.VotingGrm.Adaptive;

import java.util.List;

/**
 * Whether the samples so far settle a vote of k, under {@link Adaptive#EXACT} or {@link Adaptive#AUTO}.
 *
 * <p><b>AUTO's model.</b> For the leader L and a challenger C, each valid sample so far gave a margin
 * {@code d = score(L) - score(C)}: for L ({@code d > 0}), a tie ({@code d = 0}) or against ({@code d < 0}). The remaining r
 * samples are taken to be exchangeable with those: their counts of for, tie and against follow a
 * Dirichlet-multinomial whose pseudo-counts are the counts seen, plus {@link #SKEPTIC} of a sample
 * against (so that a unanimous start still leaves room for doubt). A sample for L adds the mean margin
 * of those seen; one against subtracts the largest margin seen either way (at least 1), a pessimistic
 * size. The chance that the remaining samples change the winner is bounded by the sum, over every
 * challenger, of the chance that the future margins bring C level with or past L (a level total would
 * go to the tie-break). The vote stops when that bound is below the risk.
 */
final class StopRule {

    /** The prior's pseudo-count against the leader: half a sample. */
    static final double SKEPTIC = 0.5;

    private StopRule() {
    }

    /**
     * @param valid     the valid samples so far, scores in the request's order
     * @param remaining samples not yet run
     */
    static boolean settled(Adaptive mode, double risk, List<Judgement> valid, int size, int remaining,
                           ScoreRange range) {
        if (mode == Adaptive.OFF || valid.isEmpty() || size == 1 || remaining == 0) {
            return remaining == 0;
        }
        long[] totals = new long[size];
        for (Judgement sample : valid) {
            for (int i = 0; i < size; i++) {
                totals[i] += sample.scores().get(i);
            }
        }
        int leader = 0;
        for (int i = 1; i < size; i++) {
            leader = totals[i] > totals[leader] ? i : leader;
        }
        int span = range.max() - range.min();
        double chance = 0;
        for (int challenger = 0; challenger < size; challenger++) {
            if (challenger == leader) {
                continue;
            }
            long margin = totals[leader] - totals[challenger];
            if (mode == Adaptive.EXACT) {
                if (margin <= (long) span * remaining) {
                    return false;
                }
            } else {
                chance += changeChance(valid, leader, challenger, margin, remaining);
                if (chance >= risk) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The chance, under AUTO's model, that r more samples bring {@code challenger} level with the leader. */
    static double changeChance(List<Judgement> valid, int leader, int challenger, long margin, int remaining) {
        if (margin <= 0) {
            return 1; // already level: the tie-break, not the evidence, decides
        }
        int forLeader = 0;
        int ties = 0;
        int against = 0;
        long forSum = 0;
        int largest = 1;
        for (Judgement sample : valid) {
            int d = sample.scores().get(leader) - sample.scores().get(challenger);
            if (d > 0) {
                forLeader++;
                forSum += d;
            } else if (d < 0) {
                against++;
            } else {
                ties++;
            }
            largest = Math.max(largest, Math.abs(d));
        }
        double forMargin = forLeader == 0 ? 1 : (double) forSum / forLeader;
        // Pseudo-counts of the predictive; a zero count gets a sliver so that its gamma terms stay finite.
        double aFor = Math.max(forLeader, 1e-9);
        double aTie = Math.max(ties, 1e-9);
        double aAgainst = against + SKEPTIC;
        double total = aFor + aTie + aAgainst;
        double base = logGamma(remaining + 1) + logGamma(total) - logGamma(remaining + total)
                - logGamma(aFor) - logGamma(aTie) - logGamma(aAgainst);
        double chance = 0;
        for (int a = 0; a <= remaining; a++) {
            for (int f = 0; f <= remaining - a; f++) {
                if (margin + f * forMargin - (double) a * largest > 0) {
                    continue;
                }
                int t = remaining - a - f;
                chance += Math.exp(base + logGamma(f + aFor) - logGamma(f + 1) + logGamma(t + aTie)
                        - logGamma(t + 1) + logGamma(a + aAgainst) - logGamma(a + 1));
            }
        }
        return Math.min(1, chance);
    }

    /** ln Γ(x) for x > 0: Lanczos (g = 7, n = 9), good to about 15 digits. */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
                1.5056327351493116e-7};
        double y = x - 1;
        double sum = c[0];
        for (int i = 1; i < 9; i++) {
            sum += c[i] / (y + i);
        }
        double t = y + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
