package dev.grm4j.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static dev.grm4j.core.testing.SimulatedJudgeTest.FOUR;
import static dev.grm4j.core.testing.SimulatedJudgeTest.TWO;
import static dev.grm4j.core.testing.SimulatedJudgeTest.prompt;
import static dev.grm4j.core.testing.SimulatedJudgeTest.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatedJudgeServerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final GroundTruth truth = GroundTruth.create().register(TWO, 0).register(FOUR, 3);
    final List<SimulatedJudgeServer> servers = new ArrayList<>();

    @AfterEach
    void closeServers() {
        servers.forEach(SimulatedJudgeServer::close);
    }

    SimulatedJudgeServer started(SimulatedJudgeServer.Builder builder) {
        SimulatedJudgeServer server = builder.build().start();
        servers.add(server);
        return server;
    }

    SimulatedJudge judge(Duration latency) {
        return SimulatedJudge.builder().groundTruth(truth).latency(latency).build();
    }

    static OpenAiChatModel chatModel(SimulatedJudgeServer server) {
        return OpenAiChatModel.builder()
                .baseUrl(server.baseUrl())
                .apiKey("test-key")
                .modelName("simulated-judge")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    /** The same prompt the judge tests use, as langchain4j messages. */
    static ChatRequest chatRequest(List<String> responses, int maxOutputTokens) {
        CompletionRequest request = prompt(responses, seeded(42));
        return ChatRequest.builder()
                .messages(SystemMessage.from(request.messages().get(0).content()),
                        UserMessage.from(request.messages().get(1).content()))
                .parameters(OpenAiChatRequestParameters.builder()
                        .temperature(0.5).maxOutputTokens(maxOutputTokens).seed(42).build())
                .build();
    }

    static HttpResponse<String> post(SimulatedJudgeServer server, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String requestBody(List<String> responses, String extraFields) throws Exception {
        CompletionRequest request = prompt(responses, seeded(42));
        return "{\"model\": \"simulated-judge\", \"messages\": ["
                + "{\"role\": \"system\", \"content\": " + JSON.writeValueAsString(request.messages().get(0).content()) + "},"
                + "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": "
                + JSON.writeValueAsString(request.messages().get(1).content()) + "}]}]"
                + extraFields + "}";
    }

    @Test
    void the_openai_client_receives_the_judges_answer_with_usage_and_finish_reason() {
        SimulatedJudge judge = judge(Duration.ZERO);
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge));

        ChatResponse response = chatModel(server).chat(chatRequest(FOUR, 1000));

        Completion direct = judge.complete(prompt(FOUR, seeded(42).withMaxOutputTokens(1000)));
        assertThat(response.aiMessage().text()).isEqualTo(direct.text()).contains("Scores: \\boxed{");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo((int) direct.usage().inputTokens());
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo((int) direct.usage().outputTokens());
        assertThat(response.tokenUsage().totalTokenCount()).isEqualTo((int) direct.usage().totalTokens());
        assertThat(response.modelName()).isEqualTo("simulated-judge");
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void an_output_budget_too_small_for_the_answer_maps_to_length() {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO)));

        ChatResponse response = chatModel(server).chat(chatRequest(TWO, 16));

        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(response.aiMessage().text()).hasSize(64);
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(16);
    }

    @Test
    void a_truncated_fault_cuts_the_answer_and_maps_to_length() {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.always(Fault.truncated())));

        ChatResponse response = chatModel(server).chat(chatRequest(TWO, 1000));

        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(response.aiMessage().text()).startsWith("Specific Criteria:").doesNotContain("\\boxed");
    }

    @Test
    void a_500_fault_surfaces_as_a_langchain4j_internal_server_error() {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.firstN(1, Fault.status(500))));
        OpenAiChatModel model = chatModel(server);

        assertThatThrownBy(() -> model.chat(chatRequest(TWO, 1000)))
                .isInstanceOf(InternalServerException.class)
                .cause().isInstanceOfSatisfying(HttpException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(500));
        assertThat(model.chat(chatRequest(TWO, 1000)).aiMessage().text()).contains("\\boxed");
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void a_rate_limit_fault_answers_429_with_retry_after_then_recovers() throws Exception {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.firstN(1, Fault.rateLimited(Duration.ofSeconds(1)))));

        HttpResponse<String> limited = post(server, requestBody(TWO, ""));
        HttpResponse<String> answered = post(server, requestBody(TWO, ""));

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(JSON.readTree(limited.body()).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(answered.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(answered.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("id").asText()).startsWith("chatcmpl-");
        assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.at("/usage/total_tokens").asLong())
                .isEqualTo(body.at("/usage/prompt_tokens").asLong() + body.at("/usage/completion_tokens").asLong());
    }

    @Test
    void every_nth_request_can_fault_with_a_status_a_non_json_body_or_no_choices() throws Exception {
        SimulatedJudgeServer notJson = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.everyNth(2, Fault.notJson())));
        SimulatedJudgeServer empty = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.always(Fault.emptyChoices())));
        SimulatedJudgeServer unavailable = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.always(Fault.status(503, Duration.ofMillis(1500)))));

        HttpResponse<String> first = post(notJson, requestBody(TWO, ""));
        HttpResponse<String> second = post(notJson, requestBody(TWO, ""));
        HttpResponse<String> third = post(notJson, requestBody(TWO, ""));
        HttpResponse<String> noChoices = post(empty, requestBody(TWO, ""));
        HttpResponse<String> busy = post(unavailable, requestBody(TWO, ""));

        assertThat(List.of(first.statusCode(), second.statusCode(), third.statusCode())).containsOnly(200);
        assertThat(second.body()).startsWith("<html>");
        assertThat(first.body()).contains("chat.completion");
        assertThatThrownBy(() -> chatModel(notJson).chat(chatRequest(TWO, 1000)))
                .as("the 4th request to an every-2nd plan").isInstanceOf(RuntimeException.class);
        assertThat(JSON.readTree(noChoices.body()).path("choices").isEmpty()).isTrue();
        assertThat(busy.statusCode()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(JSON.readTree(busy.body()).at("/error/type").asText()).isEqualTo("server_error");
    }

    @Test
    void streaming_requests_are_rejected_with_400() throws Exception {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO)));

        HttpResponse<String> response = post(server, requestBody(TWO, ", \"stream\": true"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText()).isEqualTo("streaming is not supported");
        assertThat(JSON.readTree(response.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void malformed_requests_are_rejected_with_400_naming_the_problem() throws Exception {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO)));

        assertThat(post(server, "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}").body())
                .contains("unsupported role \\\"tool\\\"");
        assertThat(post(server, "not json").body()).contains("not valid JSON");
        assertThat(post(server, "{\"messages\": []}").body()).contains("messages must be a non-empty array");
        assertThat(post(server, requestBody(TWO, ", \"temperature\": 3")).body()).contains("temperature must be in 0..2");
        assertThat(post(server, "{\"messages\": [{\"role\": \"user\", \"content\": \"no fences\"}]}").body())
                .contains("prompt has no fenced responses");
        assertThat(post(server, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}").statusCode())
                .isEqualTo(400);
    }

    @Test
    void request_options_reach_the_judge() throws Exception {
        SimulatedJudge judge = judge(Duration.ZERO);
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge));

        JsonNode body = JSON.readTree(post(server, requestBody(FOUR,
                ", \"temperature\": 0.5, \"seed\": 42, \"max_completion_tokens\": 500, \"stop\": \"Scores:\"")).body());

        String expected = judge.complete(prompt(FOUR, seeded(42).withMaxOutputTokens(500)
                .withStop(List.of("Scores:")))).text();
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(expected).doesNotContain("\\boxed");
    }

    @Test
    void capacity_two_answers_six_concurrent_requests_in_three_waves() throws Exception {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ofMillis(200))).capacity(2));
        OpenAiChatModel model = chatModel(server);
        ExecutorService clients = Executors.newFixedThreadPool(6);
        try {
            long start = System.nanoTime();
            List<Future<ChatResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(clients.submit(() -> model.chat(chatRequest(TWO, 1000))));
            }
            for (Future<ChatResponse> call : calls) {
                assertThat(call.get().aiMessage().text()).contains("\\boxed");
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            System.out.printf("simulated judge server: 6 requests, capacity 2, 200 ms latency: %d ms%n",
                    elapsed.toMillis());
            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void a_thousand_requests_in_flight_are_all_answered() {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ofMillis(200))));
        String body;
        try {
            body = requestBody(TWO, ", \"temperature\": 0.5");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();

        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 1000)
                .mapToObj(i -> HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())).toList();
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        System.out.printf("simulated judge server: 1000 concurrent requests at 200 ms latency: %d ms%n",
                elapsed.toMillis());
        assertThat(calls).allSatisfy(call -> assertThat(call.join().statusCode()).isEqualTo(200));
        assertThat(server.requestCount()).isEqualTo(1000);
    }

    @Test
    void close_stops_the_server_promptly_and_refuses_new_connections() {
        SimulatedJudgeServer server = SimulatedJudgeServer.start(judge(Duration.ZERO));
        int port = server.port();
        assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + port + "/v1");

        long start = System.nanoTime();
        server.close();
        Duration closing = Duration.ofNanos(System.nanoTime() - start);

        System.out.printf("simulated judge server: close took %d ms%n", closing.toMillis());
        assertThatThrownBy(() -> post(server, requestBody(TWO, ""))).isInstanceOf(ConnectException.class);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closing_drops_requests_in_flight_and_waiting_for_a_slot() throws Exception {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ofSeconds(30))).capacity(1));
        String body = requestBody(TWO, "");
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 3)
                .mapToObj(i -> HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())).toList();
        while (server.requestCount() < 3) {
            Thread.sleep(10);
        }

        long start = System.nanoTime();
        server.close();
        System.out.printf("simulated judge server: close with 3 requests pending took %d ms%n",
                Duration.ofNanos(System.nanoTime() - start).toMillis());

        assertThat(calls).allSatisfy(call -> assertThat(call).failsWithin(Duration.ofSeconds(10)));
    }

    @Test
    void a_sequential_call_pays_the_latency_and_little_else() throws Exception {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ofMillis(100))));
        String body = requestBody(TWO, "");
        post(server, body);

        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            assertThat(post(server, body).statusCode()).isEqualTo(200);
        }
        Duration perCall = Duration.ofNanos(System.nanoTime() - start).dividedBy(10);

        System.out.printf("simulated judge server: sequential call at 100 ms latency took %d ms%n", perCall.toMillis());
        assertThat(perCall).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    }

    @Test
    void builder_arguments_are_checked_where_they_are_set() {
        SimulatedJudgeServer.Builder builder = SimulatedJudgeServer.builder(judge(Duration.ZERO));

        assertThatThrownBy(() -> builder.capacity(0)).hasMessage("capacity must be >= 1, was 0");
        assertThatThrownBy(() -> builder.port(70000)).hasMessage("port must be in 0..65535, was 70000");
        assertThatThrownBy(() -> Fault.status(200)).hasMessage("fault status must be in 400..599, was 200");
        assertThatThrownBy(() -> FaultPlan.everyNth(0, Fault.notJson())).hasMessage("n must be >= 1, was 0");
        assertThatThrownBy(() -> builder.build().port()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_random_fault_plan_replays_the_same_request_numbers() {
        FaultPlan plan = FaultPlan.randomly(0.3, 9, Fault.status(502));
        CompletionRequest request = prompt(TWO, seeded(1));

        List<Long> faulted = IntStream.range(0, 1000).filter(i -> plan.faultFor(i, request).isPresent())
                .mapToObj(i -> (long) i).toList();

        assertThat(faulted).hasSizeBetween(240, 360);
        assertThat(IntStream.range(0, 1000).filter(i -> plan.faultFor(i, request).isPresent())
                .mapToObj(i -> (long) i).toList()).isEqualTo(faulted);
    }

    @Test
    void a_gateway_error_reaches_the_client_as_a_langchain4j_exception() {
        SimulatedJudgeServer server = started(SimulatedJudgeServer.builder(judge(Duration.ZERO))
                .faults(FaultPlan.always(Fault.status(502))));

        assertThatThrownBy(() -> chatModel(server).chat(chatRequest(TWO, 1000)))
                .isInstanceOf(LangChain4jException.class);
    }
}
