package dev.grm4j.examples.cli;

import dev.grm4j.core.Message;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.prompt.Fences;
import dev.grm4j.core.simulated.GroundTruth;
import dev.grm4j.core.simulated.SimulatedJudge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The simulated judge of {@code grm eval}, told the truth of the items in flight only.
 *
 * <p>A single {@link GroundTruth} never forgets a set, so it would hold the text of every item of the
 * file. Instead each item in flight gets its own judge (same knobs, same seed: the simulator's draws
 * depend only on the seed, the sampling seed and the prompt, so the answers are those one shared judge
 * would give), found by the multiset of presented responses and dropped when the item is done.
 * Thread-safe.
 */
final class EvalSimulator implements LlmBackend {

    private final Supplier<SimulatedJudge.Builder> knobs;
    private final SimulatedJudge blind;
    private final ConcurrentMap<List<String>, Known> live = new ConcurrentHashMap<>();

    /** A set's judge, and how many items in flight present that very set (duplicates happen). */
    private record Known(SimulatedJudge judge, int items) {
    }

    /** @param knobs a fresh builder with every knob but the ground truth set */
    EvalSimulator(Supplier<SimulatedJudge.Builder> knobs) {
        this.knobs = knobs;
        this.blind = knobs.get().build();
    }

    /**
     * Starts answering the set {@code responses} knowing that {@code best} is its best response; a set
     * opened again before it is closed takes the newer answer, as {@link GroundTruth} does.
     */
    void open(List<String> responses, int best) {
        SimulatedJudge judge = knobs.get().groundTruth(GroundTruth.create().register(responses, best)).build();
        live.merge(key(responses), new Known(judge, 1), (old, added) -> new Known(judge, old.items() + 1));
    }

    /** Forgets the set once every item that opened it is closed; later calls get random scores. */
    void close(List<String> responses) {
        live.computeIfPresent(key(responses), (key, known) ->
                known.items() == 1 ? null : new Known(known.judge(), known.items() - 1));
    }

    /** Sets known right now; zero once every item is closed. */
    int known() {
        return live.size();
    }

    @Override
    public Completion complete(CompletionRequest request) {
        return judgeFor(request).complete(request);
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        return judgeFor(request).completeAsync(request);
    }

    @Override
    public String modelName() {
        return blind.modelName();
    }

    private SimulatedJudge judgeFor(CompletionRequest request) {
        if (live.isEmpty()) {
            return blind;
        }
        StringBuilder prompt = new StringBuilder();
        for (Message message : request.messages()) {
            prompt.append(message.content()).append("\n\n");
        }
        Known known = live.get(key(Fences.extract(prompt.toString())));
        return known == null ? blind : known.judge();
    }

    /** Sorted texts: a set is the same in any presentation order, as in {@link GroundTruth}. */
    private static List<String> key(List<String> responses) {
        List<String> sorted = new ArrayList<>(responses);
        sorted.sort(null);
        return sorted;
    }
}
