package dev.grm4j.examples.score;

import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.ItemResult;
import dev.grm4j.examples.batch.Judge;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.options.BackendOptions;
import dev.grm4j.examples.options.Limits;
import dev.grm4j.voting.VotingGrm;
import picocli.CommandLine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Judges one item as {@code grm score} does: one greedy judgement with the command's retries and item
 * deadline, or, with {@code --k} above 1, a vote of k samples. The result depends on the item and the
 * options only (every draw is seeded from them), never on which items ran before or beside it.
 * Thread-safe.
 */
public final class ItemScorer {

    private final Judge judge;
    private final VotingGrm voting;
    private final BackendOptions backend;
    private final Duration deadline;
    private final JudgeWatch watch;

    private ItemScorer(Judge judge, VotingGrm voting, BackendOptions backend, Duration deadline, JudgeWatch watch) {
        this.judge = judge;
        this.voting = voting;
        this.backend = backend;
        this.deadline = deadline;
        this.watch = watch;
    }

    static ItemScorer open(CommandLine command, BackendOptions backend, Function<String, String> environment,
                           JudgeWatch watch, int k, VotingGrm.Adaptive adaptive, int concurrency, Duration deadline) {
        Judge judge = backend.open(command, environment, watch);
        VotingGrm voting = k == 1 ? null : voting(judge, backend, k, adaptive, concurrency, deadline);
        return new ItemScorer(judge, voting, backend, deadline, watch);
    }

    /**
     * The vote of {@code --k} samples, over the judge's watched backend: its retries are the ones every
     * command uses, its deadline the item's, and all the samples of the items in flight may run at once.
     */
    private static VotingGrm voting(Judge judge, BackendOptions backend, int k, VotingGrm.Adaptive adaptive,
                                    int concurrency, Duration deadline) {
        Duration timeout = backend.timeout();
        return VotingGrm.builder(judge.grm()).k(k).seed(backend.seed)
                .adaptive(adaptive)
                .maxConcurrency((int) Math.min(Limits.MAX_CONCURRENCY, (long) concurrency * k))
                .sampling(backend.votingSampling())
                .deadline(deadline)
                .callTimeout(deadline.compareTo(timeout) < 0 ? deadline : timeout)
                .build();
    }

    /** The judge: its limits ({@link Judge#maxResponses()}) and its redaction of secrets. */
    public Judge judge() {
        return judge;
    }

    /** The item's result; the future does not fail for model or backend problems. */
    public CompletableFuture<ItemResult> score(BenchmarkItem item) {
        return voting == null ? judge.score(item, backend.itemCalls(deadline, watch)) : judge.vote(item, voting);
    }
}
