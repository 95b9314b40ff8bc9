package dev.grm4j.examples.programs;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/*
 * BestOfN: pick the best of N candidate responses (best-of-N sampling, re-ranking) with Voting@k.
 *
 * Shows: one GRM call rates all N candidates at once, each on its own 1..10 scale; Voting@k samples
 * k such judgements, each showing the candidates in its own shuffled order (against position bias),
 * and sums the scores per candidate. The sum has 9k+1 levels, so ties that one sample leaves are
 * rare, and a wrong sample is outvoted. result.best() is the argmax, ties broken by a seeded draw.
 * Samples that fail to parse never vote; too few valid ones give a NO_QUORUM result, not a score.
 *
 * Cost: k model calls per request, run in parallel under maxConcurrency (see docs/guide-tuning-k.md).
 * For many prompts, voteAll(requests) shares that limit across all of them.
 *
 * Runs offline on the simulated judge (right 65% of the time per sample, about the paper's
 * single-sample accuracy). With a real model, build the PointwiseGrm over
 * OpenAiCompatibleBackend.builder().baseUrl("http://127.0.0.1:8000/v1").modelName("deepseek-grm-27b").build()
 * or LangChain4jBackend.of(chatModel) instead, and drop the GroundTruth.
 */
public final class BestOfN {

    private BestOfN() {
    }

    public static void main(String[] args) {
        String prompt = "Write a one-sentence commit message for a change that fixes a null pointer "
                + "exception when the config file is empty.";
        List<String> candidates = List.of(
                "Updated stuff.",
                "Fix NullPointerException when the config file is empty",
                "This commit changes ConfigLoader.java lines 42-57 to add an if statement.",
                "fix bug");

        LlmBackend backend = SimulatedJudge.builder()
                .groundTruth(GroundTruth.create().register(candidates, 1))
                .accuracy(0.65)
                .seed(7)
                .build();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build())
                .k(8)
                .seed(42)
                .build();

        VoteResult result = voting.vote(GrmRequest.of(prompt, candidates));
        if (!result.isVoted()) {
            System.out.println("no vote: " + result.status() + " " + result.failure().orElse(""));
            return;
        }

        System.out.println("Voting@" + voting.k() + ": " + result.validSamples() + " of " + result.samplesRun()
                + " samples valid");
        System.out.println("rank  total  mean  candidate");
        List<Integer> ranked = IntStream.range(0, candidates.size()).boxed()
                .sorted(Comparator.comparing((Integer i) -> result.totals().get(i)).reversed())
                .toList();
        for (int rank = 0; rank < ranked.size(); rank++) {
            int i = ranked.get(rank);
            System.out.printf("%4d  %5d  %4.1f  %s%n", rank + 1, result.totals().get(i), result.means().get(i),
                    candidates.get(i));
        }
        System.out.println("best: \"" + candidates.get(result.best()) + "\""
                + (result.tieBroken() ? " (tied, drawn among " + result.tied() + ")" : ""));
    }
}
