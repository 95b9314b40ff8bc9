package dev.grm4j.core;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class GrmRequestTest {

    @Test
    void the_query_is_the_last_user_turn() {
        GrmRequest request = GrmRequest.builder()
                .conversation(List.of(Message.system("be brief"), Message.user("hi"), Message.assistant("hello"),
                        Message.user("what is 2 + 2?")))
                .responses("4", "5")
                .build();

        assertThat(request.query()).isEqualTo("what is 2 + 2?");
        assertThat(request.size()).isEqualTo(2);
    }

    @Test
    void rejects_a_blank_query_naming_it() {
        assertThatIllegalArgumentException().isThrownBy(() -> GrmRequest.of("  ", "a"))
                .withMessageContaining("query is blank");
    }

    @Test
    void rejects_a_null_query() {
        assertThatNullPointerException().isThrownBy(() -> GrmRequest.of(null, "a"))
                .withMessageContaining("query");
    }

    @Test
    void rejects_a_conversation_that_does_not_end_with_the_user() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GrmRequest.builder()
                        .conversation(List.of(Message.user("q"), Message.assistant("a"))).responses("r").build())
                .withMessageContaining("must end with a USER turn").withMessageContaining("ASSISTANT");
    }

    @Test
    void rejects_no_responses() {
        assertThatIllegalArgumentException().isThrownBy(() -> GrmRequest.of("q", List.of()))
                .withMessageContaining("responses is empty");
    }

    @Test
    void rejects_a_null_response_naming_its_index_and_keeps_a_blank_one_as_a_candidate() {
        assertThatIllegalArgumentException().isThrownBy(() -> GrmRequest.of("q", Arrays.asList("a", null)))
                .withMessage("responses[1] is null");
        assertThat(GrmRequest.of("q", "a", "", " \n").responses()).containsExactly("a", "", " \n");
    }

    @Test
    void rejects_a_blank_reference() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GrmRequest.builder().query("q").responses("a").reference(" ").build())
                .withMessageContaining("reference is blank");
    }

    @Test
    void is_immutable() {
        List<String> responses = new java.util.ArrayList<>(List.of("a", "b"));
        GrmRequest request = GrmRequest.of("q", responses);
        responses.add("c");

        assertThat(request.responses()).containsExactly("a", "b");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> request.responses().add("d"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void the_fingerprint_depends_on_content_only() {
        assertThat(GrmRequest.of("q", "a", "b").fingerprint()).isEqualTo(GrmRequest.of("q", "a", "b").fingerprint());
        assertThat(GrmRequest.of("q", "ab", "c").fingerprint()).isNotEqualTo(GrmRequest.of("q", "a", "bc").fingerprint());
        assertThat(GrmRequest.of("q", "a", "b").fingerprint()).isNotEqualTo(GrmRequest.of("q", "b", "a").fingerprint());
    }

    @Test
    void to_builder_round_trips() {
        GrmRequest request = GrmRequest.builder().query("q").responses("a", "b").reference("ref")
                .principles(List.of(Principle.of("be correct"))).build();

        assertThat(request.toBuilder().build()).isEqualTo(request);
    }
}
