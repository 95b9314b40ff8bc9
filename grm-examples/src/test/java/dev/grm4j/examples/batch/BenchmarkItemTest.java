package dev.grm4j.examples.batch;

import dev.grm4j.core.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

class BenchmarkItemTest {

    private final BenchmarkItem.Parser parser = BenchmarkItem.parser(3);

    @Test
    void reads_a_valid_line_into_a_request_and_its_best_index() throws Exception {
        BenchmarkItem item = parse("{\"id\": \"a\", \"prompt\": \"2+2?\", \"responses\": [\"4\", \"5\"], \"best\": 0, \"source\": \"x\"}");

        assertThat(item.line()).isEqualTo(7);
        assertThat(item.id().asText()).isEqualTo("a");
        assertThat(item.request().query()).isEqualTo("2+2?");
        assertThat(item.request().responses()).containsExactly("4", "5");
        assertThat(item.best()).hasValue(0);
    }

    @Test
    void an_empty_response_is_a_candidate_not_an_invalid_line() throws Exception {
        BenchmarkItem item = parse("{\"id\": \"a\", \"prompt\": \"2+2?\", \"responses\": [\"4\", \"\"], \"best\": 0}");

        assertThat(item.request().responses()).containsExactly("4", "");
    }

    @Test
    void reads_a_conversation_in_place_of_the_prompt_its_last_user_turn_being_the_query() throws Exception {
        BenchmarkItem item = parse("{\"id\": \"c\", \"conversation\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"},"
                + " {\"role\": \"user\", \"content\": \"2+2?\"}], \"responses\": [\"4\", \"5\"]}");

        assertThat(item.request().conversation()).extracting(Message::role)
                .containsExactly(Message.Role.SYSTEM, Message.Role.USER, Message.Role.ASSISTANT, Message.Role.USER);
        assertThat(item.request().query()).isEqualTo("2+2?");
    }

    @Test
    void refuses_a_line_with_both_a_prompt_and_a_conversation_or_a_turn_it_cannot_read() {
        assertThatThrownBy(() -> parse("{\"id\": \"c\", \"prompt\": \"p\", \"conversation\": "
                + "[{\"role\": \"user\", \"content\": \"q\"}], \"responses\": [\"r\"]}"))
                .hasMessage("line 7: prompt and conversation: give one of them, not both");
        assertThatThrownBy(() -> parse("{\"id\": \"c\", \"conversation\": [{\"role\": \"judge\", \"content\": \"q\"}],"
                + " \"responses\": [\"r\"]}"))
                .hasMessage("line 7: conversation[0].role must be system, user or assistant, was 'judge'");
        assertThatThrownBy(() -> parse("{\"id\": \"c\", \"conversation\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"a\"}], \"responses\": [\"r\"]}"))
                .hasMessageStartingWith("line 7: conversation must end with a USER turn");
    }

    @Test
    void takes_best_as_optional_and_integer_ids_as_written() throws Exception {
        BenchmarkItem item = parse("{\"id\": 17, \"prompt\": \"p\", \"responses\": [\"r\"], \"best\": null}");

        assertThat(item.id().isInt()).isTrue();
        assertThat(item.id().asInt()).isEqualTo(17);
        assertThat(item.best()).isEmpty();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``                                                                 | blank line; expected a JSON object",
            "`[1, 2]`                                                           | expected a JSON object, found an array",
            "{\"prompt\": \"p\", \"responses\": [\"r\"]}                       | id: missing",
            "{\"id\": {}, \"prompt\": \"p\", \"responses\": [\"r\"]}           | id: expected a string or an integer, found an object",
            "{\"id\": \" \", \"prompt\": \"p\", \"responses\": [\"r\"]}        | id: blank",
            "{\"id\": \"a\", \"responses\": [\"r\"]}                           | prompt: missing",
            "{\"id\": \"a\", \"prompt\": 3, \"responses\": [\"r\"]}            | prompt: expected a string, found a number",
            "{\"id\": \"a\", \"prompt\": \"  \", \"responses\": [\"r\"]}       | prompt: blank",
            "{\"id\": \"a\", \"prompt\": \"p\"}                                | responses: missing",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": \"r\"}          | responses: expected an array of strings, found a string",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": []}             | responses: empty; at least 1 response is required",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"r\", 2]}     | responses[1]: expected a string, found a number",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"1\", \"2\", \"3\", \"4\"]} | responses: 4 items, more than the 3 allowed",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"r\", \"s\"], \"best\": 2}     | best: 2 is out of range 0..1 (a 0-based index into responses)",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"r\", \"s\"], \"best\": \"0\"}  | best: expected an integer index, found a string",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"r\", \"s\"], \"best\": 0.5}    | best: expected an integer index, found 0.5",
            "{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"r\", \"r\"], \"best\": 1}      | best: responses[1] has the same text as responses[0], so it cannot be the single best response",
    })
    void names_the_field_that_is_wrong(String line, String problem) {
        assertThatThrownBy(() -> parse(line))
                .isInstanceOf(BenchmarkItem.InvalidItemException.class)
                .hasMessage("line 7: " + problem);
    }

    @Test
    void keeps_the_id_of_an_invalid_item_when_it_is_readable() {
        assertThatThrownBy(() -> parse("{\"id\": \"x-1\", \"prompt\": \"p\", \"responses\": []}"))
                .asInstanceOf(type(BenchmarkItem.InvalidItemException.class))
                .satisfies(e -> assertThat(e.id().asText()).isEqualTo("x-1"));
    }

    @Test
    void rejects_broken_json_duplicate_keys_and_trailing_text_with_a_column() {
        assertThatThrownBy(() -> parse("{\"id\": \"a\", \"prompt\": "))
                .hasMessageStartingWith("line 7: not valid JSON at column");
        assertThatThrownBy(() -> parse("{\"id\": \"a\", \"id\": \"b\", \"prompt\": \"p\", \"responses\": [\"r\"]}"))
                .hasMessageStartingWith("line 7: not valid JSON").hasMessageContaining("Duplicate field 'id'");
        assertThatThrownBy(() -> parse("{\"id\": \"a\", \"prompt\": \"p\", \"responses\": [\"r\"]} {}"))
                .hasMessageStartingWith("line 7: not valid JSON");
    }

    @Test
    void rejects_a_line_that_is_not_utf8() {
        assertThatThrownBy(() -> parser.parse(new JsonlLines.Line(7, "{\"id\": \"\uFFFD\"}", false)))
                .hasMessage("line 7: not valid UTF-8 text");
    }

    private BenchmarkItem parse(String text) throws BenchmarkItem.InvalidItemException {
        return parser.parse(new JsonlLines.Line(7, text, true));
    }
}
