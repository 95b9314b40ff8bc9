package dev.grm4j.voting;

/**
 * When a request may stop sampling before all k samples ran. In adaptive modes the samples of one
 * request run in waves (see {@link VotingGrm.Builder#wave(int)}), so that samples not yet started
 * can be skipped.
 */
public enum AdaptiveStop {
    /** Always run all k samples (the paper's Voting@k). */
    NEVER,
    /**
     * Stop once the remaining samples cannot change the best response: the leader's total exceeds the
     * runner-up's by more than {@code (max - min) * remaining} (9 x remaining on 1..10), and the quorum
     * is met. The best response is then the one running all k would give, and no tie can arise.
     */
    EXACT,
    /**
     * {@link #EXACT}, or earlier once a one-sided sign test says the leader is settled: among the valid
     * samples so far, count those that scored the leader strictly above the runner-up (w) and strictly
     * below (l); stop when at least the quorum is valid and {@code P(X >= w | X ~ Binomial(w + l, 1/2)) < 0.01}.
     * Saves more samples than EXACT, but may (rarely) pick another response than all k would.
     */
    SIGN_TEST
}
