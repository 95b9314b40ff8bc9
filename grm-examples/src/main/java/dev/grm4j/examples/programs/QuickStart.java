package dev.grm4j.examples.programs;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Principle;
import dev.grm4j.core.Reward;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;

import java.util.List;

/*
 * QuickStart: score two answers to one question with a pointwise generative reward model.
 *
 * Shows the whole method in one call: the judge writes principles (what matters for this question),
 * a critique of each answer against them, and one integer score per answer, 1..10. PointwiseGrm.reward
 * reads that as a Reward: the scores, the best answer, and the judgement behind them. A judgement
 * that cannot be read throws JudgementFailedException; it never turns into a made-up score.
 *
 * Runs offline: the backend is the simulated judge, told which answer is right (GroundTruth) and
 * right 90% of the time. To judge with a real model, replace backend() with one of:
 *
 *   // any OpenAI-compatible server: vLLM, SGLang, the llama.cpp server, OpenAI itself
 *   LlmBackend backend = OpenAiCompatibleBackend.builder()
 *           .baseUrl("http://127.0.0.1:8000/v1")
 *           .modelName("deepseek-grm-27b")
 *           .build();
 *
 *   // any langchain4j ChatModel (Ollama, Anthropic, Gemini, ...)
 *   LlmBackend backend = LangChain4jBackend.of(chatModel);
 */
public final class QuickStart {

    private QuickStart() {
    }

    public static void main(String[] args) {
        String question = "At what temperature does water boil at sea level?";
        String right = "100 °C (212 °F), at standard atmospheric pressure.";
        String wrong = "Around 50 °C; it depends on the pot.";

        PointwiseGrm grm = PointwiseGrm.builder(backend(List.of(right, wrong), 0)).build();
        Reward reward = grm.reward(GrmRequest.of(question, right, wrong));

        System.out.println("question: " + question);
        System.out.println("scores:   " + reward.scores() + " (one per response, 1..10)");
        // Indexes are 0-based, in the order the responses were given; the critique counts from 1.
        System.out.println("best:     index " + reward.best() + ", \"" + List.of(right, wrong).get(reward.best()) + "\""
                + (reward.tieBroken() ? " (a tie, broken by a seeded draw)" : ""));
        System.out.println("principles the judge wrote for this question (weights sum to 1):");
        for (Principle principle : reward.judgement().principles()) {
            System.out.println("  - " + principle.text());
        }
        System.out.println("critique:");
        System.out.println("  " + reward.judgement().critique().strip().replace("\n", "\n  "));
    }

    /** The simulated judge: no model, no server; it knows which response of the set is the best. */
    private static LlmBackend backend(List<String> responses, int best) {
        GroundTruth truth = GroundTruth.create().register(responses, best);
        return SimulatedJudge.builder().groundTruth(truth).accuracy(0.9).seed(1).build();
    }
}
