package dev.grm4j.voting.bench;

import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.FinishReason;
import dev.grm4j.core.backend.LlmBackend;

import java.util.concurrent.CompletableFuture;

/**
 * A backend that answers every call at once with the same well-formed GRM output, so that a benchmark
 * over it measures the library alone: rendering, parsing, mapping back and voting.
 */
final class ScriptedBackend implements LlmBackend {

    private final Completion answer;

    /** @param n the responses per request; the output scores each of them */
    ScriptedBackend(int n) {
        StringBuilder text = new StringBuilder("""
                Specific Criteria:
                1. Instruction adherence (40%): The response must do what the query asks, completely and \
                within its constraints.
                2. Accuracy (35%): Facts, numbers and reasoning must be correct; confident errors weigh heavily.
                3. Clarity (25%): The response should be well organized and no longer than the query needs.

                Analysis:
                """);
        StringBuilder scores = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            text.append("Response ").append(i).append(": It opens with the computation and states the result. ")
                    .append("It answers the query but leaves gaps in accuracy or detail.\n");
            scores.append(i == 1 ? "" : ", ").append(1 + (i * 7) % 10);
        }
        text.append("\nScores: \\boxed{").append(scores).append('}');
        this.answer = new Completion(text.toString(), TokenUsage.of(900, text.length() / 4), FinishReason.STOP);
    }

    @Override
    public Completion complete(CompletionRequest request) {
        return answer;
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        return CompletableFuture.completedFuture(answer);
    }

    @Override
    public String modelName() {
        return "scripted";
    }
}
