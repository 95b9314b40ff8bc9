package dev.grm4j.voting;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.internal.Winner;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** The arithmetic of a vote over the valid samples; pure, so it is tested on its own. */
record Tally(List<Integer> totals, Winner winner, List<Double> means, List<Double> variances,
             List<List<Integer>> histograms, double agreement) {

    /**
     * Sums the scores of {@code valid} (all SCORED, all of {@code n} responses, in request order) and
     * breaks a tie with {@code random}.
     */
    static Tally of(List<Judgement> valid, int n, ScoreRange range, RandomGenerator random) {
        int[] totals = new int[n];
        double[] sumSquares = new double[n];
        int[][] histogram = new int[n][range.levels()];
        for (Judgement sample : valid) {
            List<Integer> scores = sample.scores();
            for (int i = 0; i < n; i++) {
                int score = scores.get(i);
                totals[i] += score;
                sumSquares[i] += (double) score * score;
                histogram[i][score - range.min()]++;
            }
        }
        List<Integer> totalList = new ArrayList<>(n);
        List<Double> means = new ArrayList<>(n);
        List<Double> variances = new ArrayList<>(n);
        List<List<Integer>> histograms = new ArrayList<>(n);
        int count = valid.size();
        for (int i = 0; i < n; i++) {
            double mean = totals[i] / (double) count;
            totalList.add(totals[i]);
            means.add(mean);
            variances.add(Math.max(0, sumSquares[i] / count - mean * mean));
            List<Integer> bins = new ArrayList<>(range.levels());
            for (int bin : histogram[i]) {
                bins.add(bin);
            }
            histograms.add(List.copyOf(bins));
        }
        Winner winner = Winner.of(totalList, random);
        long agreeing = valid.stream()
                .filter(sample -> sample.scores().get(winner.index()) == topOf(sample.scores()))
                .count();
        return new Tally(List.copyOf(totalList), winner, List.copyOf(means), List.copyOf(variances),
                List.copyOf(histograms), agreeing / (double) count);
    }

    private static int topOf(List<Integer> scores) {
        return scores.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }
}
