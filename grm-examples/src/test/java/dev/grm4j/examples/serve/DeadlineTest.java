package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10 section 3: one end-to-end deadline per reward request. A judge that accepts connections and
 * never answers (the worst judge there is: nothing fails, nothing returns) must give 503 with
 * Retry-After and a JSON error naming the cause within the deadline, through the project's own
 * OpenAI-compatible backend, over loopback. Figures are printed with the prefix {@code [deadline]}.
 */
class DeadlineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PROMPT = "<|im_start|>user\nName three colours.<|im_end|>\n<|im_start|>assistant\n";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** Accepts every connection and reads what it is sent, but never writes a byte back. */
    static final class SilentJudge implements AutoCloseable {
        final ServerSocket socket;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        SilentJudge() throws IOException {
            socket = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket connection = socket.accept();
                        accepted.add(connection);
                        Thread drain = new Thread(() -> drain(connection), "silent-judge-drain");
                        drain.setDaemon(true);
                        drain.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "silent-judge");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
        }

        private static void drain(Socket connection) {
            byte[] buffer = new byte[8192];
            try (InputStream in = connection.getInputStream()) {
                while (in.read(buffer) >= 0) {
                    // read and say nothing
                }
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket connection : accepted) {
                connection.close();
            }
        }
    }

    /** The server as {@code grm serve --deadline} wires it: the vote's deadline a little earlier, calls bounded. */
    private RewardServer serve(LlmBackend judge, int k, int maxConcurrency, Duration deadline) throws Exception {
        Duration voteDeadline = RewardServer.voteDeadline(deadline);
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(k).maxConcurrency(maxConcurrency)
                .deadline(voteDeadline).callTimeout(voteDeadline).build();
        return started(RewardServer.builder(voting).deadline(deadline));
    }

    private RewardServer started(RewardServer.Builder builder) throws Exception {
        RewardServer server = builder.port(0).grace(Duration.ofSeconds(1)).build().start();
        open.add(server);
        // The first call of a JVM loads the HTTP client's classes: not what the deadline is measured against.
        assertThat(get(server, "/health").statusCode()).isEqualTo(200);
        return server;
    }

    private OpenAiCompatibleBackend openAi(String baseUrl) {
        return OpenAiCompatibleBackend.builder().baseUrl(baseUrl).modelName("judge-model").build();
    }

    private SilentJudge silentJudge() throws IOException {
        SilentJudge judge = new SilentJudge();
        open.add(judge);
        return judge;
    }

    @Test
    @Timeout(30)
    void a_judge_that_never_answers_gives_503_with_retry_after_naming_the_cause_within_the_deadline() throws Exception {
        SilentJudge silent = silentJudge();
        Duration deadline = Duration.ofSeconds(2);
        RewardServer server = serve(openAi(silent.baseUrl()), 4, 64, deadline);

        Timed reward = timed(() -> post(server, "/get_reward", Map.of("query", List.of(PROMPT + "red", PROMPT + "blue"),
                "prompts", List.of(PROMPT, PROMPT))));
        Timed score = timed(() -> post(server, "/v1/score", Map.of("query", "q", "responses", List.of("a", "b"))));

        System.out.printf("[deadline] judge that accepts and never answers, --deadline 2: /get_reward -> %d in %d ms,"
                        + " /v1/score -> %d in %d ms, %d connections reached the judge; /get_reward said: %s%n",
                reward.response().statusCode(), reward.millis(), score.response().statusCode(), score.millis(),
                silent.accepted.size(), message(reward.response()));
        for (Timed call : List.of(reward, score)) {
            assertThat(call.response().statusCode()).as(call.response().body()).isEqualTo(503);
            assertThat(call.response().headers().firstValue("Retry-After")).hasValue("5");
            assertThat(call.millis()).as("answered within the deadline").isLessThan(deadline.toMillis())
                    .isGreaterThanOrEqualTo(RewardServer.voteDeadline(deadline).toMillis() - 50);
            assertThat(message(call.response())).contains("the judge did not answer in time")
                    .doesNotContainPattern("\\((\\w+\\.)*\\w+Exception\\)");
        }
        assertThat(message(reward.response())).startsWith("query[0]: no reward: NO_QUORUM: only 0 of 4 samples");
        assertThat(silent.accepted).as("the judge was really called").isNotEmpty();
    }

    @Test
    @Timeout(30)
    void the_deadline_covers_waiting_for_a_free_call() throws Exception {
        SilentJudge silent = silentJudge();
        Duration deadline = Duration.ofSeconds(2);
        // One call at a time, 8 samples per rollout, 6 rollouts at once: nearly every sample waits at the gate.
        RewardServer server = serve(openAi(silent.baseUrl()), 8, 1, deadline);

        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(6);
        open.add(clients::shutdownNow);
        // Six connections opened first, as a trainer's client pool would have them.
        List<CompletableFuture<HttpResponse<String>>> warm = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            warm.add(CompletableFuture.supplyAsync(() -> timed(() -> get(server, "/health")).response(), clients));
        }
        warm.forEach(CompletableFuture::join);
        List<CompletableFuture<Timed>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> timed(() -> post(server, "/get_reward",
                    Map.of("query", List.of(PROMPT + "red"), "prompts", List.of(PROMPT)))), clients));
        }
        List<Timed> answers = calls.stream().map(CompletableFuture::join).toList();

        long slowest = answers.stream().mapToLong(Timed::millis).max().orElseThrow();
        System.out.printf("[deadline] 6 requests x 8 samples through 1 call slot, --deadline 2: all %s, slowest"
                + " in %d ms%n", answers.stream().map(a -> a.response().statusCode()).distinct().toList(), slowest);
        System.out.println("  e.g. " + message(answers.get(0).response()));
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.response().statusCode()).isEqualTo(503);
            assertThat(answer.response().headers().firstValue("Retry-After")).isPresent();
            assertThat(message(answer.response())).containsAnyOf("waited for a free call", "did not answer in time");
        });
        assertThat(slowest).isLessThan(deadline.toMillis());
    }

    @Test
    @Timeout(30)
    void the_servers_own_deadline_holds_when_the_voting_model_has_none() throws Exception {
        SilentJudge silent = silentJudge();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(openAi(silent.baseUrl())).build()).k(2).build();
        RewardServer server = started(RewardServer.builder(voting).deadline(Duration.ofSeconds(1)));

        Timed reward = timed(() -> post(server, "/get_reward", Map.of("query", List.of(PROMPT + "red"),
                "prompts", List.of(PROMPT))));

        System.out.printf("[deadline] server deadline 1 s, voting model without one: /get_reward -> %d in %d ms: %s%n",
                reward.response().statusCode(), reward.millis(), message(reward.response()));
        assertThat(reward.response().statusCode()).isEqualTo(503);
        assertThat(reward.response().headers().firstValue("Retry-After")).isPresent();
        assertThat(JSON.readTree(reward.response().body()).path("error").path("type").asText())
                .isEqualTo("deadline_exceeded");
        assertThat(message(reward.response())).contains("no reward within the deadline of 1 s")
                .contains("judge-model");
        assertThat(reward.millis()).isBetween(1_000L, 1_500L);
        assertThat(get(server, "/health").statusCode()).as("the server serves on").isEqualTo(200);
    }

    @Test
    @Timeout(30)
    void a_judge_that_refuses_connections_is_named_in_the_503_before_the_deadline() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Duration deadline = Duration.ofSeconds(2);
        RewardServer server = serve(openAi("http://127.0.0.1:" + closedPort + "/v1"), 2, 64, deadline);

        Timed reward = timed(() -> post(server, "/get_reward", Map.of("query", List.of(PROMPT + "red"),
                "prompts", List.of(PROMPT))));

        System.out.printf("[deadline] judge refusing connections, --deadline 2: /get_reward -> %d in %d ms: %s%n",
                reward.response().statusCode(), reward.millis(), message(reward.response()));
        assertThat(reward.response().statusCode()).isEqualTo(503);
        assertThat(reward.millis()).isLessThan(deadline.toMillis());
        assertThat(message(reward.response())).contains("127.0.0.1:" + closedPort)
                .doesNotContainPattern("\\((\\w+\\.)*\\w+Exception\\)");
    }

    /**
     * Whatever a backend fails with, the 503 carries its message text: never "8 BACKEND_ERROR
     * (RuntimeException)", as serve said before.
     */
    @Test
    @Timeout(30)
    void a_503_names_the_failure_in_words_never_a_bare_class_name() throws Exception {
        Map<String, Supplier<RuntimeException>> failures = new java.util.LinkedHashMap<>();
        failures.put("message", () -> new IllegalStateException("HTTP 401 from http://judge/v1: invalid key"));
        failures.put("cause with a message", () -> new RuntimeException(new java.net.ConnectException(
                "could not connect to http://judge/v1: connection refused")));
        failures.put("wrapped twice", () -> new java.util.concurrent.CompletionException(new RuntimeException(
                new java.io.UncheckedIOException(new IOException("connection reset by the judge")))));
        failures.put("no message anywhere", RuntimeException::new);
        Map<String, String> expected = Map.of(
                "message", "HTTP 401 from http://judge/v1: invalid key",
                "cause with a message", "could not connect to http://judge/v1: connection refused",
                "wrapped twice", "connection reset by the judge",
                "no message anywhere", "an unexplained failure (RuntimeException without a message)");
        for (Map.Entry<String, Supplier<RuntimeException>> failure : failures.entrySet()) {
            // The same failure thrown by complete and delivered failed by completeAsync.
            LlmBackend failing = ScriptedBackend.answering(request -> {
                throw failure.getValue().get();
            });
            VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(failing).build()).k(8)
                    .retry(dev.grm4j.voting.RetryPolicy.none()).build();
            RewardServer server = started(RewardServer.builder(voting));

            HttpResponse<String> reward = post(server, "/get_reward", Map.of("query", List.of(PROMPT + "red"),
                    "prompts", List.of(PROMPT)));
            HttpResponse<String> score = post(server, "/v1/score", Map.of("query", "q", "responses", List.of("a")));

            for (HttpResponse<String> response : List.of(reward, score)) {
                assertThat(response.statusCode()).as(failure.getKey()).isEqualTo(503);
                assertThat(message(response)).as(failure.getKey())
                        .contains("only 0 of 8 samples were valid, quorum is 5; 8 samples: "
                                + expected.get(failure.getKey()))
                        .doesNotContain("BACKEND_ERROR (");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private record Timed(HttpResponse<String> response, long millis) {
    }

    private interface Call {
        HttpResponse<String> run() throws Exception;
    }

    private static Timed timed(Call call) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> response = call.run();
            return new Timed(response, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(RewardServer server, String path, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(RewardServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String message(HttpResponse<String> response) throws IOException {
        JsonNode json = JSON.readTree(response.body());
        return json.path("error").path("message").asText();
    }
}
