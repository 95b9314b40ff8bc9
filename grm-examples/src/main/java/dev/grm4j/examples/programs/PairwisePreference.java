package dev.grm4j.examples.programs;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.List;

/*
 * PairwisePreference: which of two responses is better, and how sure the judge is, from Voting@8.
 *
 * Shows: a pointwise GRM gives a pairwise preference for free (compare the two scores), and voting
 * gives a confidence: of the k samples, how many preferred the winner. Each sample is a full
 * judgement (principles, critique, scores) with the two responses in its own random order, so a
 * judge that always favours the first position cannot fake agreement. Read the samples yourself, or
 * take result.agreement(): the share of valid samples whose own top response is the final best (a
 * sample that tied the two counts as agreeing there, and as neither side in the count below).
 *
 * Where a label is the answer (preference data, DPO pairs), the usual rule: keep a pair only when
 * the confidence clears a bar, say 0.75; flip it when the judge confidently disagrees with the label.
 *
 * Runs offline on the simulated judge. With a real model, use
 * OpenAiCompatibleBackend.builder().baseUrl(...).modelName(...).build() or LangChain4jBackend.of(chatModel)
 * as the backend, and drop the GroundTruth.
 */
public final class PairwisePreference {

    private PairwisePreference() {
    }

    public static void main(String[] args) {
        String question = "My Python script says 'ModuleNotFoundError: No module named requests'. What do I do?";
        String a = "Install it into the interpreter that runs the script: python -m pip install requests. "
                + "If you use a virtual environment, activate it first.";
        String b = "Reinstall Python and restart your computer.";

        LlmBackend backend = SimulatedJudge.builder()
                .groundTruth(GroundTruth.create().register(List.of(a, b), 0))
                .accuracy(0.75)
                .positionBias(0.1)
                .seed(3)
                .build();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(8).seed(11).build();

        VoteResult result = voting.vote(GrmRequest.of(question, a, b));
        if (!result.isVoted()) {
            System.out.println("no preference: " + result.status() + " " + result.failure().orElse(""));
            return;
        }

        int forA = 0;
        int forB = 0;
        int ties = 0;
        for (Judgement sample : result.samples()) {
            if (!sample.isScored()) {
                continue; // a failed sample has no scores and no say
            }
            int scoreA = sample.scores().get(0);
            int scoreB = sample.scores().get(1);
            if (scoreA > scoreB) {
                forA++;
            } else if (scoreB > scoreA) {
                forB++;
            } else {
                ties++;
            }
        }
        String winner = result.best() == 0 ? "A" : "B";
        int agreeing = result.best() == 0 ? forA : forB;
        System.out.printf("samples: %d prefer A, %d prefer B, %d tie (%d valid of %d)%n",
                forA, forB, ties, result.validSamples(), result.samplesRun());
        System.out.printf("mean scores: A %.2f, B %.2f (totals %s)%n",
                result.means().get(0), result.means().get(1), result.totals());
        System.out.printf("preference: %s, confidence %.2f (%d of %d samples agree; agreement() = %.2f)%n",
                winner, agreeing / (double) result.validSamples(), agreeing, result.validSamples(), result.agreement());
    }
}
