package dev.grm4j.core.backend;

import dev.grm4j.core.backend.Completion.FinishReason;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.OpenAiCompatibleTestSupport.Received;
import dev.grm4j.core.backend.OpenAiCompatibleTestSupport.SilentServer;
import dev.grm4j.core.backend.OpenAiCompatibleTestSupport.StubServer;
import dev.grm4j.core.testing.Fault;
import dev.grm4j.core.testing.FaultPlan;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.closedPort;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judge;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judgePrompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class OpenAiCompatibleBackendTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-0123456789abcdef";

    private final List<AutoCloseable> servers = new ArrayList<>();

    @AfterEach
    void closeServers() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
    }

    private <T extends AutoCloseable> T started(T server) {
        servers.add(server);
        return server;
    }

    private SimulatedJudgeServer simulated(FaultPlan faults) {
        return started(SimulatedJudgeServer.builder(judge(Duration.ZERO)).faults(faults).build().start());
    }

    private static OpenAiCompatibleBackend.Builder backend(String baseUrl) {
        return OpenAiCompatibleBackend.builder().baseUrl(baseUrl).modelName("simulated-judge")
                .callTimeout(Duration.ofSeconds(10));
    }

    /** The failure the async call completed with. */
    private static BackendException failureOf(CompletableFuture<Completion> call) {
        CompletionException thrown = catchThrowableOfType(CompletionException.class, call::join);
        assertThat(thrown).as("the call should have failed").isNotNull();
        assertThat(thrown.getCause()).isInstanceOf(BackendException.class);
        return (BackendException) thrown.getCause();
    }

    // --- answers ---

    @Test
    void a_call_returns_the_text_usage_and_finish_reason() {
        SimulatedJudgeServer server = simulated(FaultPlan.none());
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).apiKey(KEY).build();

        Completion completion = backend.complete(judgePrompt());

        assertThat(completion.text()).contains("Scores: \\boxed{");
        assertThat(completion.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(completion.usage().inputTokens()).isPositive();
        assertThat(completion.usage().outputTokens()).isPositive();
        assertThat(backend.modelName()).isEqualTo("simulated-judge");
        assertThat(backend.endpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.calls()).isEqualTo(1);
            assertThat(endpoint.inFlight()).isZero();
            assertThat(endpoint.failures()).isZero();
        });
    }

    @Test
    void the_async_call_gives_the_same_answer_as_the_blocking_one_for_the_same_seed() {
        SimulatedJudgeServer server = simulated(FaultPlan.none());
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();

        Completion sync = backend.complete(judgePrompt());
        Completion async = backend.completeAsync(judgePrompt()).join();

        assertThat(async).isEqualTo(sync);
    }

    @Test
    void the_request_carries_model_messages_sampling_extra_body_and_the_key() throws Exception {
        StubServer server = started(StubServer.answering(200, """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":12,"completion_tokens":3}}"""));
        OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder()
                .baseUrl(server.baseUrl() + "/").modelName("deepseek-grm-16b").apiKey(KEY)
                .extraBody(Map.of("top_k", 20, "chat_template_kwargs", Map.of("enable_thinking", false)))
                .build();
        SamplingOptions sampling = SamplingOptions.sampled(0.5).withMaxOutputTokens(900).withSeed(42)
                .withStop(List.of("###", "</s>"));

        backend.complete(new CompletionRequest(List.of(Message.system("judge"), Message.user("q"),
                Message.assistant("a"), Message.user("again \"quoted\" ü")), sampling));

        assertThat(server.received).hasSize(1);
        Received request = server.received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/chat/completions");
        assertThat(request.headers().getFirst("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(request.headers().getFirst("Content-Type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.get("model").asText()).isEqualTo("deepseek-grm-16b");
        assertThat(body.get("messages")).hasSize(4);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(body.at("/messages/0/content").asText()).isEqualTo("judge");
        assertThat(body.at("/messages/2/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/messages/3/content").asText()).isEqualTo("again \"quoted\" ü");
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(body.get("max_tokens").asInt()).isEqualTo(900);
        assertThat(body.get("seed").asLong()).isEqualTo(42);
        assertThat(body.get("stop")).hasSize(2);
        assertThat(body.at("/stop/1").asText()).isEqualTo("</s>");
        assertThat(body.get("top_k").asInt()).isEqualTo(20);
        assertThat(body.at("/chat_template_kwargs/enable_thinking").asBoolean(true)).isFalse();
    }

    @Test
    void seed_stop_and_the_key_are_left_out_when_there_are_none() throws Exception {
        StubServer server = started(StubServer.answering(200, """
                {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}"""));
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();

        backend.complete(new CompletionRequest(List.of(Message.user("q")), SamplingOptions.greedy()));

        Received request = server.received.get(0);
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.has("seed")).isFalse();
        assertThat(body.has("stop")).isFalse();
        assertThat(body.get("temperature").asDouble()).isZero();
        assertThat(request.headers().containsKey("Authorization")).isFalse();
    }

    @Test
    void reasoning_content_is_never_mixed_into_the_answer() {
        StubServer server = started(StubServer.answering(200, """
                {"choices":[{"message":{"role":"assistant","reasoning_content":"Let me think... 9 or 3?",
                  "content":"Scores: \\\\boxed{9, 3}"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":100,"completion_tokens":40}}"""));

        Completion completion = backend(server.baseUrl()).build().complete(judgePrompt());

        assertThat(completion.text()).isEqualTo("Scores: \\boxed{9, 3}");
        assertThat(completion.usage().outputTokens()).isEqualTo(40);
    }

    @Test
    void null_content_is_empty_text_and_missing_usage_is_zero() {
        StubServer server = started(StubServer.answering(200, """
                {"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"content_filter"}]}"""));

        Completion completion = backend(server.baseUrl()).build().complete(judgePrompt());

        assertThat(completion.text()).isEmpty();
        assertThat(completion.usage()).isEqualTo(TokenUsage.ZERO);
        assertThat(completion.finishReason()).isEqualTo(FinishReason.OTHER);
    }

    @Test
    void an_answer_cut_off_by_the_budget_is_a_completion_with_finish_reason_length() {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.truncated()));

        Completion completion = backend(server.baseUrl()).build().complete(judgePrompt());

        assertThat(completion.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(completion.text()).isNotEmpty();
    }

    // --- HTTP errors ---

    @Test
    void a_429_is_retriable_with_status_and_the_servers_retry_after() {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.rateLimited(Duration.ofSeconds(2))));
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();

        BackendException failure = failureOf(backend.completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.statusCode()).hasValue(429);
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(failure.getMessage()).contains("HTTP 429").contains("simulated fault");
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {500, 502, 503})
    void a_5xx_is_retriable_with_its_status(int status) {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.status(status)));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.statusCode()).hasValue(status);
        assertThat(failure.retryAfter()).isEmpty();
        assertThat(failure.getMessage()).startsWith("HTTP " + status + " from " + server.baseUrl() + "/chat/completions");
    }

    @Test
    void a_503_with_retry_after_carries_it() {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.status(503, Duration.ofSeconds(7))));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {400, 401, 404, 422})
    void other_4xx_are_not_retriable(int status) {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.status(status)));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isFalse();
        assertThat(failure.statusCode()).hasValue(status);
    }

    @Test
    void a_200_that_is_not_json_is_a_retriable_failure() {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.notJson()));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.getMessage()).contains("not JSON").contains("502 Bad Gateway");
    }

    @Test
    void a_200_without_choices_is_a_retriable_failure() {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.emptyChoices()));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.getMessage()).contains("no choices");
    }

    @Test
    void the_blocking_call_throws_the_backend_exception_itself() {
        SimulatedJudgeServer server = simulated(FaultPlan.always(Fault.status(400)));
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();

        assertThatThrownBy(() -> backend.complete(judgePrompt()))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.statusCode()).hasValue(400));
    }

    @Test
    void an_error_body_is_shown_shortened_on_one_line() {
        String longMessage = "model 'x' is not served here;\n" + "try another one. ".repeat(50);
        StubServer server = started(StubServer.answering(404,
                "{\"object\":\"error\",\"message\":" + JSON.valueToTree(longMessage) + "}"));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.getMessage()).contains("model 'x' is not served here; try another one.")
                .doesNotContain("\n").hasSizeLessThan(400);
    }

    // --- transport errors ---

    @Test
    @Timeout(10)
    void connection_refused_is_retriable_without_status_and_fails_within_the_connect_timeout() throws Exception {
        OpenAiCompatibleBackend backend = backend(OpenAiCompatibleTestSupport.baseUrl(closedPort()))
                .connectTimeout(Duration.ofSeconds(2)).build();

        CompletableFuture<Completion> call = backend.completeAsync(judgePrompt());

        ExecutionException thrown = catchThrowableOfType(ExecutionException.class, () -> call.get(2, TimeUnit.SECONDS));
        assertThat(thrown).as("failed within the connect timeout").isNotNull();
        assertThat(thrown.getCause()).isInstanceOfSatisfying(BackendException.class, failure -> {
            assertThat(failure.isRetriable()).isTrue();
            assertThat(failure.statusCode()).isEmpty();
            assertThat(failure.getMessage()).contains("could not connect to");
        });
        assertThat(backend.endpoints().get(0).failures()).isEqualTo(1);
    }

    @Test
    @Timeout(10)
    void a_server_that_never_answers_fails_the_call_by_the_call_timeout() {
        SilentServer server = started(new SilentServer());
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).callTimeout(Duration.ofMillis(300)).build();

        BackendException failure = failureOf(backend.completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.statusCode()).isEmpty();
        assertThat(failure.getCause()).isInstanceOf(HttpTimeoutException.class);
        assertThat(failure.getMessage()).contains("within 300 ms (callTimeout)");
        assertThat(backend.endpoints().get(0).inFlight()).isZero();
    }

    @Test
    @Timeout(10)
    void a_body_that_stalls_after_the_headers_fails_the_call_by_the_call_timeout() {
        StubServer server = started(StubServer.handling(exchange -> {
            exchange.sendResponseHeaders(200, 10_000);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 100; i++) {
                out.write(' ');
                out.flush();
                Thread.sleep(100);
            }
        }));
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).callTimeout(Duration.ofMillis(300)).build();

        BackendException failure = failureOf(backend.completeAsync(judgePrompt()));

        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.getMessage()).contains("(callTimeout)");
    }

    // --- cancellation ---

    @Test
    @Timeout(10)
    void cancelling_a_call_aborts_the_exchange_and_closes_its_connection() throws Exception {
        SilentServer server = started(new SilentServer());
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();
        CompletableFuture<Completion> call = backend.completeAsync(judgePrompt());
        assertThat(server.requestArrived.await(5, TimeUnit.SECONDS)).isTrue();

        boolean cancelled = call.cancel(true);

        assertThat(cancelled).isTrue();
        assertThat(call).isCancelled();
        assertThatThrownBy(call::join).isInstanceOf(CancellationException.class);
        assertThat(server.clientClosed.await(5, TimeUnit.SECONDS)).as("the client closed the connection").isTrue();
        assertThat(backend.endpoints().get(0).inFlight()).isZero();
        assertThat(backend.endpoints().get(0).failures()).isZero();
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    @Timeout(10)
    void a_caller_timeout_on_the_future_also_aborts_the_exchange() throws Exception {
        SilentServer server = started(new SilentServer());
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();

        CompletableFuture<Completion> call = backend.completeAsync(judgePrompt()).orTimeout(200, TimeUnit.MILLISECONDS);

        assertThatThrownBy(call::join).hasCauseInstanceOf(TimeoutException.class);
        assertThat(server.clientClosed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(backend.endpoints().get(0).inFlight()).isZero();
    }

    @Test
    @Timeout(10)
    void an_interrupted_blocking_call_is_cancelled_and_keeps_the_interrupt() throws Exception {
        SilentServer server = started(new SilentServer());
        OpenAiCompatibleBackend backend = backend(server.baseUrl()).build();
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                backend.complete(judgePrompt());
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(Thread.currentThread().isInterrupted() ? e : new AssertionError("flag lost", e));
            }
        });
        caller.start();
        assertThat(server.requestArrived.await(5, TimeUnit.SECONDS)).isTrue();

        caller.interrupt();

        assertThat(thrown.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.isRetriable()).isFalse());
        assertThat(server.clientClosed.await(5, TimeUnit.SECONDS)).isTrue();
    }

    // --- the key ---

    @Test
    void the_api_key_never_shows_in_messages_to_string_or_endpoints() {
        StubServer echoing = started(StubServer.answering(401,
                "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ". Check it.\"}}"));
        OpenAiCompatibleBackend backend = backend(echoing.baseUrl()).apiKey(KEY).build();

        BackendException failure = failureOf(backend.completeAsync(judgePrompt()));

        assertThat(failure.getMessage()).contains("HTTP 401").contains("Incorrect API key provided: ***")
                .doesNotContain(KEY);
        assertThat(backend.toString()).contains(echoing.baseUrl()).contains("simulated-judge").doesNotContain(KEY);
        assertThat(backend.endpoints().toString()).doesNotContain(KEY);
        OpenAiCompatibleBackend refused = backend(OpenAiCompatibleTestSupport.baseUrl(closedPort())).apiKey(KEY).build();
        assertThat(failureOf(refused.completeAsync(judgePrompt())).getMessage()).doesNotContain(KEY);
        assertThatThrownBy(() -> OpenAiCompatibleBackend.builder().apiKey(KEY + "\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY));
    }

    @Test
    void a_non_json_error_page_is_shown_as_text() {
        StubServer server = started(StubServer.answering(502, "<html><body>Bad gateway from nginx</body></html>"));

        BackendException failure = failureOf(backend(server.baseUrl()).build().completeAsync(judgePrompt()));

        assertThat(failure.getMessage()).contains("HTTP 502").contains("Bad gateway from nginx");
        assertThat(failure.isRetriable()).isTrue();
    }

    @Test
    void the_toString_shows_every_base_url_and_the_model() {
        OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder()
                .baseUrls(List.of("http://gpu-1:8000/v1", "http://gpu-2:8000/v1/")).modelName("grm").build();

        assertThat(backend).hasToString(
                "OpenAiCompatibleBackend[model=grm, baseUrls=[http://gpu-1:8000/v1, http://gpu-2:8000/v1]]");
        assertThat(backend.endpoints()).extracting(OpenAiCompatibleBackend.EndpointStatus::baseUrl)
                .containsExactly("http://gpu-1:8000/v1", "http://gpu-2:8000/v1");
    }
}
