package dev.grm4j.examples.eval;

import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;

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
 *
 * <p>A prompt without fenced responses is a principle-generation call ({@code --principles once}): the
 * simulated judge refuses those, so this answers them with a short, fixed list of weighted criteria,
 * counting tokens as the simulated judge does (4 characters a token).
 * Thread-safe.
 */
final class EvalSimulator implements LlmBackend {

    /** The answer to every principle-generation call: about 90 tokens, the size of a real one. */
    static final String PRINCIPLES = """
            Specific Criteria:
            1. Instruction following (40%): The response does exactly what the user asked, in the form asked for.
            2. Correctness (30%): Every statement and result in the response is accurate.
            3. Helpfulness (20%): The response gives the user what they need to act on it, without padding.
            4. Clarity (10%): The response is well organized and easy to read.
            """;

    private static final int CHARS_PER_TOKEN = 4;

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
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        // A judgement call names the responses it shows, in the order shown; a principle call names none.
        List<String> shown = request.output().map(CompletionRequest.OutputSpec::responses).orElse(List.of());
        return shown.isEmpty()
                ? CompletableFuture.completedFuture(principles(request))
                : judgeFor(shown).completeAsync(request);
    }

    /** The answer to a principle-generation call. */
    private static Completion principles(CompletionRequest request) {
        long promptChars = request.messages().stream().mapToLong(message -> message.content().length()).sum();
        return new Completion(PRINCIPLES, TokenUsage.of(tokens(promptChars), tokens(PRINCIPLES.length())),
                FinishReason.STOP);
    }

    private static long tokens(long chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    @Override
    public String modelName() {
        return blind.modelName();
    }

    private SimulatedJudge judgeFor(List<String> shown) {
        if (live.isEmpty()) {
            return blind;
        }
        Known known = live.get(key(shown));
        return known == null ? blind : known.judge();
    }

    /** Sorted texts: a set is the same in any presentation order, as in {@link GroundTruth}. */
    private static List<String> key(List<String> responses) {
        List<String> sorted = new ArrayList<>(responses);
        sorted.sort(null);
        return sorted;
    }
}
