package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What generating principles once per prompt costs against self-generated ones, on the simulated judge
 * (the measurement behind docs/principles.md). The simulated judge writes its criteria whatever it is
 * told, as a real judge told to restate given principles does, so the judge calls' output is the same
 * and the difference is the principle block in every prompt, plus one call per prompt.
 */
class TokenCostTest {

    private static final int ITEMS = 20;
    private static final int K = 8;

    /** A realistic four-criterion answer of about 100 tokens. */
    private static final String PRINCIPLES = """
            Specific Criteria:
            1. Correct result (45%): The response gives the right numeric answer to the question asked, with no slip.
            2. Sound reasoning (25%): Any working shown is valid and leads to the stated answer.
            3. Directness (20%): The answer is stated plainly and early, without hedging or irrelevant material.
            4. Clarity (10%): The response is easy to read and uses standard notation.
            """;

    private record Cost(TokenUsage judge, TokenUsage principles, long principleCalls) {
        long total() {
            return judge.totalTokens() + principles.totalTokens();
        }
    }

    private static Cost run(String spec) {
        GroundTruth truth = GroundTruth.create();
        SimulatedJudge judge = SimulatedJudge.builder().groundTruth(truth).seed(1).build();
        // Judge calls go to the simulated judge; principle calls get PRINCIPLES, counted as it counts: chars / 4.
        ScriptedBackend backend = ScriptedBackend.answering(call -> {
            if (ScriptedBackend.isJudgeCall(call)) {
                return judge.complete(call);
            }
            long chars = call.messages().stream().mapToLong(message -> message.content().length()).sum();
            return new Completion(PRINCIPLES, TokenUsage.of((chars + 3) / 4, (PRINCIPLES.length() + 3) / 4),
                    FinishReason.STOP);
        });
        List<GrmRequest> items = new ArrayList<>();
        for (int i = 1; i <= ITEMS; i++) {
            List<String> responses = List.of("It is " + 2 * i + ".", "It is " + (2 * i + 1) + ", I think.");
            truth.register(responses, 0);
            items.add(GrmRequest.of("What is " + i + " + " + i + "?", responses));
        }
        PrincipleStrategy strategy = PrincipleStrategy.fromSpec(spec, backend);
        VotingGrm voting = VotingGrm.builder(PrincipledGrm.of(PointwiseGrm.builder(backend).build(), strategy))
                .k(K).seed(3).build();
        TokenUsage judgeTokens = voting.voteAll(items).stream().map(VoteResult::usage)
                .reduce(TokenUsage.ZERO, TokenUsage::plus);
        return new Cost(judgeTokens, strategy.stats().tokens(), strategy.stats().calls());
    }

    @Test
    void generating_once_adds_the_principle_block_to_every_prompt_and_one_call_per_prompt() {
        Cost self = run("self");
        Cost once = run("once");

        assertThat(once.principleCalls()).isEqualTo(ITEMS);
        assertThat(self.principles()).isEqualTo(TokenUsage.ZERO);
        // the judges write as much either way: they restate the given principles
        assertThat((double) once.judge().outputTokens())
                .isCloseTo(self.judge().outputTokens(), within(self.judge().outputTokens() * 0.02));
        // every one of the k prompts carries the principle block: about 85 more input tokens a sample
        double extraPerSample = (once.judge().inputTokens() - self.judge().inputTokens()) / (double) (ITEMS * K);
        assertThat(extraPerSample).isBetween(60.0, 110.0);
        // in all, at k = 8: some 15-20% more tokens than self-generated principles
        assertThat(once.total() / (double) self.total()).isBetween(1.10, 1.25);
    }
}
