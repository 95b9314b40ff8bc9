package dev.grm4j.examples.programs;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Principle;
import dev.grm4j.core.Reward;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.principles.PrincipleStrategy;
import dev.grm4j.principles.PrincipledGrm;

import java.util.List;

/*
 * CustomPrinciples: judge by your own criteria instead of the ones the judge writes.
 *
 * By default the GRM writes query-specific principles itself (the paper's method; its ablation without
 * principle generation loses 2.4 points overall). When you already know what matters (a rubric, a style guide, a policy), give it:
 *
 *   1. per request: GrmRequest.builder().principles(...). Weights are relative: they are normalized to
 *      sum to 1 and shown to the judge as percentages. A request that carries principles keeps them.
 *   2. per model: PrincipledGrm.of(grm, strategy) attaches a strategy's principles to every request
 *      without its own: PrincipleStrategy.preset("coding") (presets: coding, general, math, safety,
 *      writing), fixed(list), fromFile(path), or generatedOnce(backend, cacheSize), which writes them
 *      once per prompt so that every sample and every rollout of it is judged by the same ones.
 *
 * Runs offline on the simulated judge. Having no model, it ignores the principles in its prompt and
 * always writes the same three of its own, so the program prints the principles it sent; a real judge
 * writes its analysis against yours. With a real model, use OpenAiCompatibleBackend.builder().baseUrl(...).modelName(...).build() or
 * LangChain4jBackend.of(chatModel) as the backend, and drop the GroundTruth.
 */
public final class CustomPrinciples {

    private CustomPrinciples() {
    }

    public static void main(String[] args) {
        String question = "Write a Java method that returns the average of an int array.";
        String careful = """
                static OptionalDouble average(int[] values) {
                    return Arrays.stream(values).average(); // empty for an empty array, no overflow
                }""";
        String naive = """
                static int average(int[] values) {
                    int sum = 0;
                    for (int v : values) sum += v;
                    return sum / values.length; // overflows, truncates, divides by zero when empty
                }""";
        GroundTruth truth = GroundTruth.create().register(List.of(careful, naive), 0);
        LlmBackend backend = SimulatedJudge.builder().groundTruth(truth).accuracy(0.9).seed(5).build();
        PointwiseGrm grm = PointwiseGrm.builder(backend).build();

        // 1. The caller's principles, on one request.
        GrmRequest request = GrmRequest.builder()
                .query(question)
                .responses(careful, naive)
                .principles(List.of(
                        new Principle("Correctness: right for every input, including empty arrays and large sums", 3),
                        new Principle("API design: the return type says what can happen", 1)))
                .build();
        Reward own = grm.reward(request);
        System.out.println("1. principles given with the request:");
        printPrinciples(request.principles());
        System.out.println("   scores " + own.scores() + ", best response " + own.best());

        // 2. A preset for every request, through PrincipledGrm.
        PrincipleStrategy coding = PrincipleStrategy.preset("coding");
        PointwiseGrm codingJudge = PrincipledGrm.of(grm, coding);
        Reward preset = codingJudge.reward(GrmRequest.of(question, careful, naive));
        System.out.println("2. principles of the '" + coding.name() + "' strategy:");
        // Preset texts carry their percentages already, as written in the preset file.
        coding.principles(GrmRequest.of(question, careful, naive))
                .forEach(principle -> System.out.println("   - " + principle.text()));
        System.out.println("   scores " + preset.scores() + ", best response " + preset.best());
    }

    private static void printPrinciples(List<Principle> principles) {
        double total = principles.stream().mapToDouble(Principle::weight).sum();
        for (Principle principle : principles) {
            System.out.printf("   %3.0f%%  %s%n", 100 * principle.weight() / total, principle.text());
        }
    }
}
