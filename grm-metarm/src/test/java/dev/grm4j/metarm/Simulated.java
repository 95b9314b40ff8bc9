package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** Trajectories from the simulated judge, for tests: synthetic pairs whose best response is known. */
final class Simulated {

    final GroundTruth truth = GroundTruth.create();
    final VotingGrm voting;
    final List<GrmRequest> requests = new ArrayList<>();
    final List<Integer> bests = new ArrayList<>();

    /**
     * @param items    synthetic pairs
     * @param k        samples per item
     * @param careless the judge's careless rate
     */
    Simulated(int items, int k, double careless) {
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.65).carelessRate(careless).seed(5)
                .groundTruth(truth).build();
        voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(k).seed(3).build();
        for (int i = 0; i < items; i++) {
            List<String> responses = List.of(
                    "Answer " + i + ": the capital of country number " + i + " is its largest port city.",
                    "Answer " + i + ": country number " + i + " has its seat of government inland, by the river.");
            int best = i % 2;
            truth.register(responses, best);
            requests.add(GrmRequest.of("Question " + i + ": which city is the capital of country number " + i + "?",
                    responses));
            bests.add(best);
        }
    }

    List<VoteResult> votes() {
        return voting.voteAll(requests);
    }

    /** Every sample of every item as a record, item ids "item-0", "item-1", ... */
    List<TrajectoryRecord> records() {
        List<VoteResult> votes = votes();
        List<TrajectoryRecord> records = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            List<dev.grm4j.core.Judgement> samples = votes.get(i).samples();
            for (int s = 0; s < samples.size(); s++) {
                records.add(TrajectoryRecord.of("item-" + i, s, requests.get(i), samples.get(s),
                        OptionalInt.of(bests.get(i))));
            }
        }
        return records;
    }
}
