package dev.grm4j.examples.bench;

import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.prompt.PromptTemplate;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * {@code grm bench --cost}: the same items voted two ways against the simulated judge's HTTP server,
 * each with a {@link ServingCost} of its own.
 *
 * <p>Both ways ask one judge model, built afresh for each with draws by occurrence
 * ({@link SimulatedJudge.Builder#drawsByOccurrence}): the j-th sample of an item in a given order is the
 * same sample in both, so the accuracies differ by what the ways change (which samples run), not by
 * sampling noise.
 */
final class BenchCost {

    /** Items voted at once: enough to keep the loopback server busy, few enough to stay in order. */
    private static final int ITEMS_IN_FLIGHT = 32;

    /** How the samples of a vote are asked for. */
    enum Way {
        /** What {@code grm serve} runs: balanced orders, one call per order, adaptive stopping (auto). */
        GRM4J("grm4j", PromptTemplate.DEFAULT_VERSION, true) {
            @Override
            VotingGrm voting(PointwiseGrm grm, int k, long seed) {
                return VotingGrm.builder(grm).k(k).seed(seed).adaptive(VotingGrm.Adaptive.AUTO).build();
            }
        },
        /**
         * The paper's procedure as peers run it: one call per sample, a fresh random order per sample, all
         * k samples run, the nonce in the system message (template grm-v1).
         */
        NAIVE("naive", "grm-v1", false) {
            @Override
            VotingGrm voting(PointwiseGrm grm, int k, long seed) {
                return VotingGrm.builder(grm).k(k).seed(seed).shuffle(VotingGrm.Shuffle.RANDOM)
                        .adaptive(VotingGrm.Adaptive.OFF).samplesPerCall(1).build();
            }
        };

        final String key;
        private final String template;
        private final boolean nativeN;

        Way(String key, String template, boolean nativeN) {
            this.key = key;
            this.template = template;
            this.nativeN = nativeN;
        }

        abstract VotingGrm voting(PointwiseGrm grm, int k, long seed);
    }

    /** One way's cost and quality. */
    record Outcome(ServingCost.Figures figures, int items, int correct, int failedVotes) {

        double accuracy() {
            return correct / (double) items;
        }
    }

    private final List<BenchmarkItem> items;
    private final int k;
    private final long seed;
    private final Supplier<SimulatedJudge.Builder> judge;
    private final int cacheBlocks;

    /**
     * @param items every one with its best response known
     * @param judge a fresh builder of the judge's knobs (profile, seed), for each way
     */
    BenchCost(List<BenchmarkItem> items, int k, long seed, Supplier<SimulatedJudge.Builder> judge, int cacheBlocks) {
        this.items = List.copyOf(items);
        this.k = k;
        this.seed = seed;
        this.judge = judge;
        this.cacheBlocks = cacheBlocks;
    }

    Outcome measure(Way way) {
        GroundTruth truth = GroundTruth.create();
        items.forEach(item -> truth.register(item.request().responses(), item.best().getAsInt()));
        SimulatedJudge model = judge.get().groundTruth(truth).drawsByOccurrence(true).build();
        ServingCost cost = new ServingCost(cacheBlocks);
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(model).meter(cost).build().start()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder()
                    .baseUrl(server.baseUrl())
                    .modelName(model.modelName())
                    .nativeN(way.nativeN)
                    .build();
            PointwiseGrm grm = PointwiseGrm.builder(backend)
                    .template(PromptTemplate.fromResources(way.template))
                    .seed(seed)
                    .build();
            List<VoteResult> votes = voteAll(way.voting(grm, k, seed));
            int correct = 0;
            int failed = 0;
            for (int i = 0; i < votes.size(); i++) {
                VoteResult vote = votes.get(i);
                if (!vote.isVoted()) {
                    failed++;
                } else if (vote.best() == items.get(i).best().getAsInt()) {
                    correct++;
                }
            }
            return new Outcome(cost.figures(), items.size(), correct, failed);
        }
    }

    private List<VoteResult> voteAll(VotingGrm voting) {
        Semaphore inFlight = new Semaphore(ITEMS_IN_FLIGHT);
        List<CompletableFuture<VoteResult>> votes = new ArrayList<>(items.size());
        for (BenchmarkItem item : items) {
            inFlight.acquireUninterruptibly();
            CompletableFuture<VoteResult> vote = voting.voteAsync(item.request());
            vote.whenComplete((result, failure) -> inFlight.release());
            votes.add(vote);
        }
        return votes.stream().map(CompletableFuture::join).toList();
    }
}
