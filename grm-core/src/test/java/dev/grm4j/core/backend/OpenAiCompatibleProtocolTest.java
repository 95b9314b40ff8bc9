package dev.grm4j.core.backend;

import dev.grm4j.core.backend.Completion.FinishReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire format's edge cases, without the network. */
class OpenAiCompatibleProtocolTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private static HttpHeaders headers(Map<String, List<String>> values) {
        return HttpHeaders.of(values, (name, value) -> true);
    }

    @ParameterizedTest(name = "Retry-After: \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "2                               | PT2S",
            "' 120 '                         | PT2M",
            "0                               | PT0S",
            "Sun, 01 Jun 2025 12:00:30 GMT   | PT30S",
            "Sun, 01 Jun 2025 11:59:00 GMT   | PT0S",
            "-1                              | none",
            "1.5                             | none",
            "soon                            | none",
            "99999999999999999999            | none",
    })
    void retry_after_reads_delta_seconds_and_http_dates(String value, String expected) {
        Optional<Duration> parsed = OpenAiProtocol.retryAfter(value, NOW);

        assertThat(parsed).isEqualTo(Optional.ofNullable(expected).map(Duration::parse));
    }

    @Test
    void retry_after_ms_wins_over_retry_after() {
        HttpHeaders both = headers(Map.of("retry-after-ms", List.of("1500"), "Retry-After", List.of("2")));
        HttpHeaders garbledMillis = headers(Map.of("retry-after-ms", List.of("x"), "Retry-After", List.of("2")));

        assertThat(OpenAiProtocol.retryAfter(both, NOW)).contains(Duration.ofMillis(1500));
        assertThat(OpenAiProtocol.retryAfter(garbledMillis, NOW)).contains(Duration.ofSeconds(2));
        assertThat(OpenAiProtocol.retryAfter(headers(Map.of()), NOW)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}} | bad model",
            "{\"object\":\"error\",\"message\":\"vllm says no\"}                         | vllm says no",
            "{\"detail\":\"fastapi says no\"}                                           | fastapi says no",
            "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\"}]}                | [{\"loc\":[\"body\"],\"msg\":\"field required\"}]",
            "{\"error\":\"plain error\"}                                                | plain error",
            "'upstream   connect\n\terror'                                           | upstream connect error",
    })
    void error_details_come_from_the_usual_error_shapes(String body, String expected) {
        assertThat(OpenAiProtocol.errorDetail(body.getBytes(StandardCharsets.UTF_8), null)).isEqualTo(expected);
    }

    @Test
    void a_long_error_is_cut_and_the_key_is_masked_before_cutting() {
        String key = "sk-0123456789";
        String excerpt = OpenAiProtocol.excerpt("key " + key + " rejected; " + "x".repeat(500), key);

        assertThat(excerpt).startsWith("key *** rejected; ").endsWith("…").hasSize(201).doesNotContain(key);
    }

    @Test
    void content_given_as_text_parts_is_joined() {
        byte[] body = """
                {"choices":[{"message":{"content":[{"type":"text","text":"Scores: "},{"type":"text","text":"\\\\boxed{7}"}]},
                  "finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":-1}}"""
                .getBytes(StandardCharsets.UTF_8);

        Completion completion = OpenAiProtocol.completion("u", 200, body, null);

        assertThat(completion.text()).isEqualTo("Scores: \\boxed{7}");
        assertThat(completion.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(completion.usage().outputTokens()).isZero();
    }

    @Test
    void a_200_carrying_an_error_instead_of_choices_shows_the_error() {
        byte[] body = "{\"error\":{\"message\":\"upstream overloaded\"}}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> OpenAiProtocol.completion("http://x/v1/chat/completions", 200, body, null))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.statusCode()).hasValue(200);
                    assertThat(e.getMessage()).isEqualTo("HTTP 200 from http://x/v1/chat/completions is not a chat"
                            + " completion: answer has no choices: upstream overloaded");
                });
    }

    @Test
    void a_message_that_is_not_an_object_or_content_of_another_type_is_malformed() {
        assertThatThrownBy(() -> OpenAiProtocol.completion("u", 200,
                "{\"choices\":[{\"text\":\"legacy\"}]}".getBytes(StandardCharsets.UTF_8), null))
                .hasMessageContaining("choices[0] has no message");
        assertThatThrownBy(() -> OpenAiProtocol.completion("u", 200,
                "{\"choices\":[{\"message\":{\"content\":42}}]}".getBytes(StandardCharsets.UTF_8), null))
                .hasMessageContaining("neither text nor text parts");
    }
}
