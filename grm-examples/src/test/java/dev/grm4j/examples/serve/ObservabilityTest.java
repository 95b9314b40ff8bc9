package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator watches: Prometheus metrics at {@code /metrics}, the JSON figures at {@code /v1/stats},
 * liveness at {@code /health}, readiness at {@code /ready}, and one access-log line per request.
 */
class ObservabilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SECRET_QUESTION = "What is the launch code of project nightingale?";

    private RewardServer server;
    private final AtomicBoolean judgeDown = new AtomicBoolean();
    private final AtomicInteger probes = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String start() throws Exception {
        ScriptedBackend judge = ScriptedBackend.scoring(shown -> shown.stream().map(r -> 7).toList());
        RewardMetrics metrics = new RewardMetrics();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(3).listener(metrics).build();
        server = RewardServer.builder(voting).port(0).metrics(metrics).probe(() -> {
            probes.incrementAndGet();
            return judgeDown.get() ? CompletableFuture.failedFuture(new ConnectException("connection refused"))
                    : CompletableFuture.completedFuture(null);
        }).build().start();
        return server.baseUrl();
    }

    private static HttpResponse<String> get(String base, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String base, String path, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series in a Prometheus text exposition, or null when it is absent. */
    private static Double series(String exposition, String name) {
        return exposition.lines().filter(line -> line.startsWith(name + " "))
                .map(line -> Double.parseDouble(line.substring(name.length() + 1).trim())).findFirst().orElse(null);
    }

    @Test
    void metrics_are_prometheus_text_counting_requests_samples_and_tokens_with_probes_kept_out_of_the_durations()
            throws Exception {
        String base = start();
        post(base, "/v1/reward", Map.of("prompt", "Name a colour.", "response", "red"));
        post(base, "/v1/group-reward", Map.of("prompt", "Name a colour.", "responses", List.of("red", "blue")));
        for (int i = 0; i < 3; i++) {
            get(base, "/health");
            get(base, "/ready");
        }

        HttpResponse<String> metrics = get(base, "/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
        String text = metrics.body();
        assertThat(series(text, "grm_http_requests_total{endpoint=\"/v1/reward\",status=\"200\"}")).isEqualTo(1.0);
        assertThat(series(text, "grm_http_requests_total{endpoint=\"/health\",status=\"200\"}")).isEqualTo(3.0);
        assertThat(series(text, "grm_http_request_duration_seconds_count{endpoint=\"/v1/reward\"}")).isEqualTo(1.0);
        assertThat(text).doesNotContain("grm_http_request_duration_seconds_count{endpoint=\"/health\"}")
                .doesNotContain("grm_http_request_duration_seconds_count{endpoint=\"/ready\"}");
        // k = 3 for the one rollout, 3 for the group of two: every group is one judgement per sample.
        assertThat(series(text, "grm_samples_total{outcome=\"scored\"}")).isEqualTo(6.0);
        assertThat(series(text, "grm_samples_total{outcome=\"backend_error\"}")).isEqualTo(0.0);
        assertThat(series(text, "grm_judge_input_tokens_total")).isEqualTo(6.0 * ScriptedBackend.REPLY_USAGE.inputTokens());
        assertThat(series(text, "grm_judge_output_tokens_total")).isEqualTo(6.0 * ScriptedBackend.REPLY_USAGE.outputTokens());
        assertThat(series(text, "grm_rollouts_total{endpoint=\"/v1/group-reward\",result=\"rewarded\"}")).isEqualTo(2.0);
        assertThat(series(text, "grm_group_size_sum")).isEqualTo(2.0);
        assertThat(series(text, "grm_samples_in_flight")).isEqualTo(0.0);
        assertThat(series(text, "grm_samples_queued")).isEqualTo(0.0);
        assertThat(series(text, "grm_ready")).isEqualTo(1.0);

        JsonNode stats = JSON.readTree(get(base, "/v1/stats").body());
        assertThat(stats.get("requests").get("/v1/reward").asLong()).isEqualTo(1);
        assertThat(stats.get("samples").get("SCORED").asLong()).isEqualTo(6);
    }

    @Test
    void stats_before_the_first_request_have_no_latency_to_report_and_say_so_with_null() throws Exception {
        String base = start();

        String body = get(base, "/v1/stats").body();

        assertThat(body).doesNotContain("NaN", "Infinity");
        JsonNode latency = JSON.readTree(body).get("latency_ms");
        assertThat(latency.get("p50").isNull()).as(body).isTrue();
        assertThat(latency.get("p99").isNull()).as(body).isTrue();
    }

    @Test
    void ready_is_503_with_the_reason_while_the_judge_cannot_be_reached_and_health_stays_200() throws Exception {
        String base = start();
        judgeDown.set(true);

        HttpResponse<String> ready = get(base, "/ready");
        HttpResponse<String> health = get(base, "/health");

        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.headers().firstValue("Retry-After")).isPresent();
        assertThat(JSON.readTree(ready.body()).get("reason").asText()).contains("does not answer its probe", "connection refused");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(get(base, "/metrics").body()).contains("grm_ready 0.0");
    }

    @Test
    void the_readiness_probe_is_cached_so_frequent_polls_cost_the_judge_one_probe() throws Exception {
        String base = start();

        for (int i = 0; i < 10; i++) {
            assertThat(get(base, "/ready").statusCode()).isEqualTo(200);
        }

        assertThat(probes.get()).isEqualTo(1);
    }

    @Test
    void every_request_gets_one_access_log_line_and_errors_a_warning_with_the_cause_never_the_prompt() throws Exception {
        String base = start();
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            post(base, "/v1/reward", Map.of("prompt", SECRET_QUESTION, "response", "It is 0000."));
            post(base, "/v1/reward", Map.of("prompt", SECRET_QUESTION, "response", "x", "temperature", 0));
        } finally {
            System.setErr(original);
        }

        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).filteredOn(line -> line.contains("dev.grm4j.serve.access")).hasSize(2)
                .anySatisfy(line -> assertThat(line).contains("POST /v1/reward 200", "rollouts=1", "samples=3", "failures=0"))
                .anySatisfy(line -> assertThat(line).contains("POST /v1/reward 400"));
        assertThat(lines).filteredOn(line -> line.contains("WARN")).singleElement().satisfies(line ->
                assertThat(line).contains("400", "unknown field 'temperature'"));
        assertThat(String.join("\n", lines)).doesNotContain("nightingale").doesNotContain("0000");
    }
}
