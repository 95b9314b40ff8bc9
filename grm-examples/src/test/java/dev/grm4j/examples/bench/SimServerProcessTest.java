package dev.grm4j.examples.bench;

import dev.grm4j.examples.batch.Judge;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hidden {@code grm sim-server}, run as {@code grm bench} runs it: in a child JVM. */
class SimServerProcessTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final String COMPLETION = """
            {"model": "any", "messages": [{"role": "user", "content": \
            "Judge.\\n<<<BEGIN RESPONSE 1 #0123456789ab>>>\\nYes.\\n<<<END RESPONSE 1 #0123456789ab>>>"}]}""";

    @Test
    void the_child_prints_where_it_listens_answers_chat_completions_and_stops_when_closed() throws Exception {
        String baseUrl;
        try (SimServerProcess server = SimServerProcess.launch(List.of("--latency-ms", "0", "--capacity", "2"))) {
            baseUrl = server.baseUrl();
            assertThat(baseUrl).matches("http://127\\.0\\.0\\.1:\\d+/v1");

            HttpResponse<String> response = HTTP.send(post(baseUrl), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"chat.completion\"", "\\\\boxed{");
            assertThat(server.baseUrl()).isEqualTo(baseUrl);
        }
        assertThatThrownBy(() -> HTTP.send(post(baseUrl), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void a_child_that_cannot_start_is_reported_with_its_standard_error() throws Exception {
        try (SimServerProcess server = SimServerProcess.launch(List.of("--capacity", "-1"))) {
            assertThatThrownBy(server::baseUrl)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("sim-server did not start")
                    .hasMessageContaining("exit code 2")
                    .hasMessageContaining("--capacity and --latency-ms must be >= 0, were -1 and 200");
        }
    }

    private static HttpRequest post(String baseUrl) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(COMPLETION))
                .build();
    }
}
