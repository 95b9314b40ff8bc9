package dev.grm4j.core.backend;

import dev.grm4j.core.backend.OpenAiCompatibleTestSupport.StubServer;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.closedPort;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The readiness probe of an OpenAI-compatible backend: {@code GET {baseUrl}/models}, which spends no
 * tokens; ready when any server answers it, else every server's reason.
 */
class OpenAiCompatibleProbeTest {

    private final List<AutoCloseable> servers = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
    }

    private static OpenAiCompatibleBackend backend(String... baseUrls) {
        return OpenAiCompatibleBackend.builder().baseUrls(List.of(baseUrls)).modelName("judge")
                .apiKey("sk-probe-0123456789").callTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void a_server_that_lists_its_models_is_ready_and_is_asked_with_the_key_and_no_completion() {
        StubServer server = StubServer.answering(200, "{\"object\": \"list\", \"data\": []}");
        servers.add(server);

        backend(server.baseUrl()).probeAsync().join();

        assertThat(server.received).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo("GET");
            assertThat(request.path()).endsWith("/models");
            assertThat(request.headers().getFirst("Authorization")).isEqualTo("Bearer sk-probe-0123456789");
        });
    }

    @Test
    void the_simulated_judge_server_answers_the_probe_as_vllm_does() {
        SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge(Duration.ZERO)).build().start();
        servers.add(server);

        backend(server.baseUrl()).probeAsync().join();
    }

    @Test
    void one_answering_server_of_several_is_enough() {
        StubServer server = StubServer.answering(200, "{}");
        servers.add(server);

        backend("http://127.0.0.1:" + closedPort() + "/v1", server.baseUrl()).probeAsync().join();
    }

    @Test
    void no_answering_server_fails_with_each_servers_reason_and_never_the_key() {
        StubServer unauthorized = StubServer.answering(401, "{\"error\": {\"message\": \"bad key\"}}");
        servers.add(unauthorized);
        String refused = "http://127.0.0.1:" + closedPort() + "/v1";

        Throwable failure = catchThrowable(() -> backend(refused, unauthorized.baseUrl()).probeAsync().join());

        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(BackendException.class);
        assertThat(failure.getCause().getMessage()).contains(refused + ": connection refused")
                .contains(unauthorized.baseUrl() + "/models: HTTP 401").doesNotContain("sk-probe");
    }
}
