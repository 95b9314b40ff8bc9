package dev.grm4j.voting;

import dev.grm4j.voting.VotingGrm.AdaptiveStop;
import dev.grm4j.core.Judgement;

import java.util.List;

/** The one-sided sign test of {@link AdaptiveStop#SIGN_TEST}. */
final class SignTest {

    /** The significance level below which the leader counts as settled. */
    static final double ALPHA = 0.01;

    private SignTest() {
    }

    /** Whether the leader beat the runner-up in significantly more valid samples than the reverse. */
    static boolean settles(List<Judgement> valid, int leader, int runnerUp) {
        int wins = 0;
        int losses = 0;
        for (Judgement sample : valid) {
            int difference = sample.scores().get(leader) - sample.scores().get(runnerUp);
            wins += difference > 0 ? 1 : 0;
            losses += difference < 0 ? 1 : 0;
        }
        return pValue(wins, wins + losses) < ALPHA;
    }

    /** P(X >= wins) for X ~ Binomial(trials, 1/2). */
    static double pValue(int wins, int trials) {
        double p = 0;
        double term = Math.pow(0.5, trials);
        for (int x = 0; x <= trials; x++) {
            if (x >= wins) {
                p += term;
            }
            term = term * (trials - x) / (x + 1);
        }
        return p;
    }
}
