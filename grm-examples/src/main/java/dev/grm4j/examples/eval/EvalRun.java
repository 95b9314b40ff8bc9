package dev.grm4j.examples.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Outcome;
import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.JsonlLines;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.eval.EvalTally.Verdict;
import dev.grm4j.examples.eval.EvalTally.Verdicts;
import dev.grm4j.examples.report.EvalReport;
import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.metarm.MetaVoteResult;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryWriter;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass of {@code grm eval} over a benchmark file: each item is voted once at the largest k, and
 * Voting@k for every smaller k is the vote over the first k of those samples (quorum k/2+1). The k
 * values are thus compared on the very same samples, and a run costs the largest k alone.
 *
 * <p>With a meta RM, MetaRM@k of every k guides the very vote Voting@k took (the same prefix of samples),
 * so the two are paired. With a recorder, every sample of the largest k is written with its label, the
 * input of {@code grm train-metarm}.
 *
 * <p>Items stream: at most {@code window} are in flight, and a finished item leaves only counts behind,
 * except the first few items when examples are kept (for {@code --report}): their judgements and vote
 * records.
 */
final class EvalRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final VotingGrm voting;
    private final List<Integer> ks;
    private final EvalSimulator simulator;
    private final int window;
    private final MetaGuidedVoting guided;
    private final TrajectoryWriter recorder;
    private final JudgeWatch watch;
    /** The first items' examples and vote records, by start order; guarded by {@code this}. */
    private final EvalReport.Example[] examples;
    private final String[] records;
    /** Samples shown per example. */
    static final int EXAMPLE_SAMPLES = 3;

    /** A pass of plain voting only, recording nothing. */
    EvalRun(VotingGrm voting, List<Integer> ks, EvalSimulator simulator, int window) {
        this(voting, ks, simulator, window, null, null);
    }

    /**
     * @param voting    votes at the largest of {@code ks}
     * @param ks        ascending, the largest equal to {@code voting.k()}
     * @param simulator the simulated judge to tell each item's truth, or null for a real model
     * @param window    the most items in flight
     * @param guided    MetaRM@k over {@code voting}'s samples, or null for Voting@k alone
     * @param recorder  where every sample goes with its label, or null
     */
    EvalRun(VotingGrm voting, List<Integer> ks, EvalSimulator simulator, int window, MetaGuidedVoting guided,
            TrajectoryWriter recorder) {
        this(voting, ks, simulator, window, guided, recorder, 0);
    }

    /**
     * As {@link #EvalRun(VotingGrm, List, EvalSimulator, int, MetaGuidedVoting, TrajectoryWriter)}, keeping
     * the example judgement and the vote record of the first {@code keep} items evaluated (in file order).
     *
     * @param keep how many examples to keep, 0 for none
     */
    EvalRun(VotingGrm voting, List<Integer> ks, EvalSimulator simulator, int window, MetaGuidedVoting guided,
            TrajectoryWriter recorder, int keep) {
        this(voting, ks, simulator, window, guided, recorder, keep, null);
    }

    /**
     * As {@link #EvalRun(VotingGrm, List, EvalSimulator, int, MetaGuidedVoting, TrajectoryWriter, int)},
     * told each sample's outcome and stopping when the judge turns out to be unreachable: no item starts
     * after the stop, and the items whose votes end after it (their samples cut short) are neither
     * counted nor recorded.
     *
     * @param watch the run's watch, or null to run every item whatever the judge does
     */
    EvalRun(VotingGrm voting, List<Integer> ks, EvalSimulator simulator, int window, MetaGuidedVoting guided,
            TrajectoryWriter recorder, int keep, JudgeWatch watch) {
        if (keep < 0) {
            throw new IllegalArgumentException("keep must be >= 0, was " + keep);
        }
        if (ks.get(ks.size() - 1) != voting.k()) {
            throw new IllegalArgumentException("the largest k " + ks.get(ks.size() - 1) + " must be the voting k "
                    + voting.k());
        }
        this.voting = voting;
        this.ks = List.copyOf(ks);
        this.simulator = simulator;
        this.window = window;
        this.guided = guided;
        this.recorder = recorder;
        this.examples = new EvalReport.Example[keep];
        this.records = new String[keep];
        this.watch = watch;
    }

    /** The examples kept, in file order: the first items evaluated, as many as asked for and finished. */
    synchronized List<EvalReport.Example> examples() {
        return Arrays.stream(examples).filter(Objects::nonNull).toList();
    }

    /** The vote records ({@code VoteRecord.toJson()}) of the items of {@link #examples()}, in the same order. */
    synchronized List<String> records() {
        return Arrays.stream(records).filter(Objects::nonNull).toList();
    }

    /** Writing the trajectories failed; the message names the problem. */
    static final class RecordFailedException extends IOException {

        private static final long serialVersionUID = 1L;

        RecordFailedException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Evaluates the first {@code limit} lines of {@code in} (all when {@code limit} is 0).
     *
     * @throws IOException if the file cannot be read
     */
    EvalTally run(Path in, int limit, BenchmarkItem.Parser parser) throws IOException, InterruptedException {
        return run(in, 0, limit, parser);
    }

    /**
     * Evaluates {@code limit} lines of {@code in} (all when {@code limit} is 0) after skipping the first
     * {@code offset}.
     *
     * @throws RecordFailedException if the trajectories cannot be written
     * @throws IOException           if the file cannot be read
     */
    EvalTally run(Path in, int offset, int limit, BenchmarkItem.Parser parser) throws IOException,
            InterruptedException {
        EvalTally tally = new EvalTally(ks, guided != null);
        Semaphore slots = new Semaphore(window);
        AtomicReference<Throwable> bug = new AtomicReference<>();
        int started = 0;
        try (JsonlLines lines = JsonlLines.open(in)) {
            JsonlLines.Line line = lines.next();
            for (int skipped = 0; line != null && skipped < offset; skipped++) {
                line = lines.next();
            }
            for (int read = 1; line != null && (limit == 0 || read <= limit); read++, line = lines.next()) {
                BenchmarkItem item;
                try {
                    item = parser.parse(line);
                } catch (BenchmarkItem.InvalidItemException e) {
                    tally.skip(e.getMessage());
                    continue;
                }
                if (item.best().isEmpty()) {
                    tally.skip("line " + line.number() + ": best: missing; eval needs the true best response");
                    continue;
                }
                slots.acquire();
                if (bug.get() != null || watch != null && watch.stopped()) {
                    // Give the slot back, or the wait for every started item below would never end.
                    slots.release();
                    break;
                }
                start(item, subsetOf(line.text()), started++, tally, slots, bug);
            }
        } finally {
            // Every item started must finish before the tally is read or the file is reported unreadable.
            slots.acquire(window);
        }
        if (bug.get() instanceof UncheckedIOException e) {
            throw new RecordFailedException(e.getCause());
        }
        if (bug.get() != null) {
            throw new IllegalStateException("eval failed: " + bug.get(), bug.get());
        }
        return tally;
    }

    private void start(BenchmarkItem item, String subset, int index, EvalTally tally, Semaphore slots,
                       AtomicReference<Throwable> bug) {
        GrmRequest request = item.request();
        int best = item.best().getAsInt();
        if (simulator != null) {
            simulator.open(request.responses(), best);
        }
        CompletableFuture<VoteResult> vote;
        try {
            vote = voting.voteAsync(request);
        } catch (RuntimeException e) {
            vote = CompletableFuture.failedFuture(e);
        }
        vote.whenComplete((result, error) -> {
            try {
                if (simulator != null) {
                    simulator.close(request.responses());
                }
                if (error != null) {
                    // voteAsync reports model and backend trouble in the result; an exception is a bug.
                    throw error;
                }
                if (watch != null) {
                    if (watch.stopped()) {
                        // Its samples were cut by the stop: its figures would be the stop's, not the judge's.
                        return;
                    }
                    for (Judgement sample : result.samples()) {
                        if (sample.outcome() == Outcome.BACKEND_ERROR) {
                            watch.failed(sample.failure().orElse("backend error"));
                        } else {
                            watch.answered();
                        }
                    }
                }
                if (recorder != null) {
                    record(item, result);
                }
                if (index < examples.length) {
                    keep(index, item, subset, request, result, best);
                }
                Verdicts verdicts = verdicts(request, result, best);
                tally.add(subset, best, verdicts, result.samplesRun(), result.validSamples(), result.usage());
                if (verdicts.plain().contains(Verdict.FAILED) && result.outcomes().containsKey(Outcome.BACKEND_ERROR)) {
                    tally.backendFailure();
                }
            } catch (Throwable t) {
                bug.compareAndSet(null, t);
            } finally {
                slots.release();
            }
        });
    }

    /** Keeps the example and the vote record of the item started {@code index}th. */
    private void keep(int index, BenchmarkItem item, String subset, GrmRequest request, VoteResult result,
                      int best) {
        EvalReport.Example example = EvalReport.Example.of(idOf(item), subset, request, result, best,
                EXAMPLE_SAMPLES);
        String json = voting.record(request, result).toJson();
        synchronized (this) {
            examples[index] = example;
            records[index] = json;
        }
    }

    private static String idOf(BenchmarkItem item) {
        return item.id().isTextual() ? item.id().asText() : item.id().toString();
    }

    /** Writes every sample of the item's vote with its label; an I/O error stops the run. */
    private void record(BenchmarkItem item, VoteResult result) {
        try {
            recorder.write(idOf(item), item.request(), result.samples(), item.best());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The vote a budget of k samples gives, from the run at the largest k: Voting@k over its first k
     * samples, or, with an adaptive rule, the rule replayed at budget k. A run that stopped before k
     * samples was settled with more samples left than k leaves, so its own decision stands. Null when
     * too few samples ran to vote.
     */
    private VoteResult atBudget(GrmRequest request, VoteResult full, int k) {
        List<Judgement> samples = full.samples();
        if (voting.adaptive() != VotingGrm.Adaptive.OFF) {
            if (samples.size() >= k) {
                return voting.revoteAdaptive(request, samples, k);
            }
            return samples.isEmpty() ? null : full;
        }
        int quorum = k / 2 + 1;
        List<Judgement> prefix = samples.subList(0, Math.min(k, samples.size()));
        return prefix.size() < quorum ? null : voting.revote(request, prefix, quorum);
    }

    /**
     * Voting@k for each k over the first k samples of {@code full}, and, with a meta RM, MetaRM@k guiding
     * that very vote.
     */
    Verdicts verdicts(GrmRequest request, VoteResult full, int best) {
        List<Judgement> samples = full.samples();
        List<Verdict> plain = new ArrayList<>(ks.size());
        List<Verdict> meta = new ArrayList<>(guided == null ? 0 : ks.size());
        List<Boolean> fellBack = new ArrayList<>(guided == null ? 0 : ks.size());
        for (int k : ks) {
            VoteResult vote = atBudget(request, full, k);
            if (vote == null) {
                // An invalid request ran no sample; a cancelled one may have run too few.
                plain.add(Verdict.FAILED);
                if (guided != null) {
                    meta.add(Verdict.FAILED);
                    fellBack.add(false);
                }
                continue;
            }
            plain.add(verdict(vote.isVoted(), vote.isVoted() && vote.best() == best));
            if (guided != null) {
                if (!vote.isVoted()) {
                    // No plain verdict, no guided one: the meta RM is not asked.
                    meta.add(Verdict.FAILED);
                    fellBack.add(false);
                    continue;
                }
                MetaVoteResult chosen = guided.guide(request, vote);
                meta.add(verdict(chosen.isVoted(), chosen.isVoted() && chosen.best() == best));
                fellBack.add(!chosen.guided());
            }
        }
        return new Verdicts(plain, meta, fellBack);
    }

    private static Verdict verdict(boolean voted, boolean right) {
        return !voted ? Verdict.FAILED : right ? Verdict.CORRECT : Verdict.WRONG;
    }

    /**
     * The item's group for the per-subset rows: {@code source/subset} as the shared benchmark files
     * write them, or whichever of the two is present.
     */
    static String subsetOf(String line) {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return "(unlabelled)";
        }
        String source = root.path("source").isTextual() ? root.path("source").asText().strip() : "";
        String subset = root.path("subset").isTextual() ? root.path("subset").asText().strip() : "";
        if (source.isEmpty() && subset.isEmpty()) {
            return "(unlabelled)";
        }
        return source.isEmpty() ? subset : subset.isEmpty() ? source : source + "/" + subset;
    }
}
