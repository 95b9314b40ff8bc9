package dev.grm4j.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.examples.cli.EvalTally.Verdict;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass of {@code grm eval} over a benchmark file: each item is voted once at the largest k, and
 * Voting@k for every smaller k is the vote over the first k of those samples (quorum k/2+1). The k
 * values are thus compared on the very same samples, and a run costs the largest k alone.
 *
 * <p>Items stream: at most {@code window} are in flight, and a finished item leaves only counts behind.
 */
final class EvalRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final VotingGrm voting;
    private final List<Integer> ks;
    private final EvalSimulator simulator;
    private final int window;

    /**
     * @param voting    votes at the largest of {@code ks}
     * @param ks        ascending, the largest equal to {@code voting.k()}
     * @param simulator the simulated judge to tell each item's truth, or null for a real model
     * @param window    the most items in flight
     */
    EvalRun(VotingGrm voting, List<Integer> ks, EvalSimulator simulator, int window) {
        if (ks.get(ks.size() - 1) != voting.k()) {
            throw new IllegalArgumentException("the largest k " + ks.get(ks.size() - 1) + " must be the voting k "
                    + voting.k());
        }
        this.voting = voting;
        this.ks = List.copyOf(ks);
        this.simulator = simulator;
        this.window = window;
    }

    /**
     * Evaluates the first {@code limit} lines of {@code in} (all when {@code limit} is 0).
     *
     * @throws IOException if the file cannot be read
     */
    EvalTally run(Path in, int limit, BenchmarkItem.Parser parser) throws IOException, InterruptedException {
        EvalTally tally = new EvalTally(ks);
        Semaphore slots = new Semaphore(window);
        AtomicReference<Throwable> bug = new AtomicReference<>();
        try (JsonlLines lines = JsonlLines.open(in)) {
            JsonlLines.Line line = lines.next();
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
                if (bug.get() != null) {
                    break;
                }
                start(item, subsetOf(line.text()), tally, slots, bug);
            }
        } finally {
            // Every item started must finish before the tally is read or the file is reported unreadable.
            slots.acquire(window);
        }
        if (bug.get() != null) {
            throw new IllegalStateException("eval failed: " + bug.get(), bug.get());
        }
        return tally;
    }

    private void start(BenchmarkItem item, String subset, EvalTally tally, Semaphore slots,
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
                tally.add(subset, best, verdicts(request, result, best), result.samplesRun(), result.validSamples());
            } catch (Throwable t) {
                bug.compareAndSet(null, t);
            } finally {
                slots.release();
            }
        });
    }

    /** Voting@k for each k over the first k samples of {@code full}. */
    List<Verdict> verdicts(GrmRequest request, VoteResult full, int best) {
        List<Judgement> samples = full.samples();
        List<Verdict> verdicts = new ArrayList<>(ks.size());
        for (int k : ks) {
            int quorum = k / 2 + 1;
            List<Judgement> prefix = samples.subList(0, Math.min(k, samples.size()));
            if (prefix.size() < quorum) {
                // An invalid request ran no sample; a cancelled one may have run too few.
                verdicts.add(Verdict.FAILED);
                continue;
            }
            VoteResult vote = voting.revote(request, prefix, quorum);
            verdicts.add(!vote.isVoted() ? Verdict.FAILED : vote.best() == best ? Verdict.CORRECT : Verdict.WRONG);
        }
        return verdicts;
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
