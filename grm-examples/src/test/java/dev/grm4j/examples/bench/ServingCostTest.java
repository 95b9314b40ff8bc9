package dev.grm4j.examples.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The server's accounting: billed per request, prefill past the cached prefix, decode per completion. */
class ServingCostTest {

    private static final Encoding TOKENS = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    private static final String INSTRUCTIONS = "You are a strict judge. ".repeat(40);

    @Test
    void a_request_bills_its_prompt_once_whatever_n_and_decodes_every_completion() {
        ServingCost cost = new ServingCost();
        List<Message> prompt = List.of(Message.system(INSTRUCTIONS), Message.user("Which is better?"));

        cost.answered(request(prompt, 3), List.of(answer("one two"), answer("three"), answer("four five six")));

        ServingCost.Figures figures = cost.figures();
        int length = tokens(prompt);
        assertThat(figures.requests()).isEqualTo(1);
        assertThat(figures.samples()).isEqualTo(3);
        assertThat(figures.promptTokensBilled()).isEqualTo(length);
        assertThat(figures.prefillTokensComputed()).as("nothing cached yet").isEqualTo(length);
        assertThat(figures.decodeTokens())
                .isEqualTo(TOKENS.countTokens("one two") + TOKENS.countTokens("three") + TOKENS.countTokens("four five six"));
    }

    @Test
    void a_prompt_seen_before_computes_only_its_partial_last_block_or_at_least_its_last_token() {
        ServingCost cost = new ServingCost();
        List<Message> prompt = List.of(Message.system(INSTRUCTIONS), Message.user("Which is better?"));

        cost.answered(request(prompt, 1), List.of(answer("a")));
        cost.answered(request(prompt, 1), List.of(answer("a")));

        int tail = tokens(prompt) % ServingCost.BLOCK_TOKENS;
        assertThat(cost.figures().prefillTokensComputed()).isEqualTo(tokens(prompt) + Math.max(1, tail));
        assertThat(cost.figures().promptTokensBilled()).isEqualTo(2L * tokens(prompt));
    }

    @Test
    void a_shared_prefix_is_reused_in_whole_blocks_up_to_the_first_difference() {
        ServingCost cost = new ServingCost();
        List<Message> first = List.of(Message.system(INSTRUCTIONS), Message.user("Response A, then B."));
        List<Message> second = List.of(Message.system(INSTRUCTIONS), Message.user("Response B, then A."));

        cost.answered(request(first, 1), List.of(answer("a")));
        cost.answered(request(second, 1), List.of(answer("a")));

        int common = commonPrefix(ServingCost.chatMl(first), ServingCost.chatMl(second));
        int reused = common / ServingCost.BLOCK_TOKENS * ServingCost.BLOCK_TOKENS;
        assertThat(reused).isGreaterThan(200);
        assertThat(cost.figures().prefillTokensComputed() - tokens(first)).isEqualTo(tokens(second) - reused);
    }

    @Test
    void a_different_first_token_shares_nothing() {
        ServingCost cost = new ServingCost();
        cost.answered(request(List.of(Message.system("Alpha " + INSTRUCTIONS)), 1), List.of(answer("a")));
        cost.answered(request(List.of(Message.system("Omega " + INSTRUCTIONS)), 1), List.of(answer("a")));

        assertThat(cost.figures().prefillTokensComputed()).isEqualTo(cost.figures().promptTokensBilled());
    }

    @Test
    void the_least_recently_used_blocks_are_evicted_when_the_cache_is_full() {
        List<Message> a = List.of(Message.system("Alpha " + INSTRUCTIONS));
        List<Message> b = List.of(Message.system("Omega " + INSTRUCTIONS));
        int blocksOfA = tokens(a) / ServingCost.BLOCK_TOKENS;
        ServingCost small = new ServingCost(blocksOfA + 2);

        small.answered(request(a, 1), List.of(answer("x")));
        small.answered(request(b, 1), List.of(answer("x")));
        small.answered(request(a, 1), List.of(answer("x")));

        assertThat(small.figures().prefillTokensComputed()).as("b pushed a out")
                .isEqualTo(small.figures().promptTokensBilled());
        assertThatIllegalArgumentException().isThrownBy(() -> new ServingCost(0)).withMessageContaining("capacityBlocks");
    }

    @Test
    void ratios_divide_figure_by_figure() {
        ServingCost.Figures mine = new ServingCost.Figures(1, 4, 100, 50, 30);
        ServingCost.Figures theirs = new ServingCost.Figures(4, 4, 400, 100, 120);

        assertThat(mine.ratio(theirs)).containsExactly(java.util.Map.entry("requests", 0.25),
                java.util.Map.entry("prompt_tokens_billed", 0.25), java.util.Map.entry("prefill_tokens_computed", 0.5),
                java.util.Map.entry("decode_tokens", 0.25));
    }

    @Test
    void a_ratio_over_a_figure_of_zero_is_written_as_null_not_nan_nor_a_plausible_zero() {
        ServingCost.Figures mine = new ServingCost.Figures(1, 4, 100, 0, 30);
        ServingCost.Figures theirs = new ServingCost.Figures(4, 4, 400, 0, 120);
        com.fasterxml.jackson.databind.node.ObjectNode ratio =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();

        mine.ratio(theirs).forEach((key, value) -> BenchCommand.putRounded(ratio, key, value, 4));

        assertThat(ratio.toString()).isEqualTo("{\"requests\":0.25,\"prompt_tokens_billed\":0.25,"
                + "\"prefill_tokens_computed\":null,\"decode_tokens\":0.25}");
    }

    private static int tokens(List<Message> messages) {
        return TOKENS.countTokensOrdinary(ServingCost.chatMl(messages));
    }

    private static int commonPrefix(String a, String b) {
        List<Integer> x = TOKENS.encodeOrdinary(a).boxed();
        List<Integer> y = TOKENS.encodeOrdinary(b).boxed();
        int i = 0;
        while (i < Math.min(x.size(), y.size()) && x.get(i).equals(y.get(i))) {
            i++;
        }
        return i;
    }

    private static CompletionRequest request(List<Message> messages, int n) {
        return new CompletionRequest(messages, SamplingOptions.greedy(), Optional.empty(), n, Optional.empty());
    }

    private static Completion answer(String text) {
        return new Completion(text, TokenUsage.of(0, 0), Completion.FinishReason.STOP);
    }
}
