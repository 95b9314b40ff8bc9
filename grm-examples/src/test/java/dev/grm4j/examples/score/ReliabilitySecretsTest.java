package dev.grm4j.examples.score;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LangChain4jBackend;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Issue 7, suite 7: an API key never appears in exceptions, judgements, vote records, logs, CLI output
 * or reports, even when the server echoes the Authorization header back in its error body. Issue 10:
 * nor when the judge repeats it in its own judgement (critiques, raw outputs, records, RFT data).
 */
class ReliabilitySecretsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-SECRET-4242";
    /** The distinctive part: a leak of a fragment of the key counts too. */
    private static final String FRAGMENT = "SECRET-4242";

    @TempDir
    Path dir;

    private final List<HttpServer> servers = new ArrayList<>();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream stdout;
    private PrintStream stderr;

    @BeforeEach
    void captureProcessStreams() {
        stdout = System.out;
        stderr = System.err;
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
    }

    @AfterEach
    void restore() {
        System.setOut(stdout);
        System.setErr(stderr);
        servers.forEach(server -> server.stop(0));
        assertNoKey("process stdout/stderr (logs)", captured.toString(StandardCharsets.UTF_8));
    }

    /** Each failing endpoint: the echoed header as JSON error, as plain text, a 401, and a closed port. */
    private List<String> failingBaseUrls() {
        return List.of(
                echoing(500, true), echoing(500, false), echoing(401, true), echoing(401, false),
                echoing(429, true), echoing(200, false),
                "http://127.0.0.1:" + closedPort() + "/v1");
    }

    @Test
    void openai_compatible_backend_never_shows_the_key() {
        for (String baseUrl : failingBaseUrls()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(baseUrl).modelName("m")
                    .apiKey(KEY).callTimeout(Duration.ofSeconds(5)).build();
            assertBackendNeverShowsTheKey(baseUrl, backend);
        }
    }

    @Test
    void langchain4j_backend_never_shows_the_key() {
        for (String baseUrl : failingBaseUrls()) {
            OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName("m")
                    .maxRetries(0).timeout(Duration.ofSeconds(5)).build();
            assertBackendNeverShowsTheKey(baseUrl, LangChain4jBackend.builder(model).secret(KEY).build());
        }
    }

    @Test
    void grm_score_never_prints_the_key() throws IOException {
        Path in = Jsonl.write(dir.resolve("in.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2)));
        for (String baseUrl : failingBaseUrls()) {
            Path out = dir.resolve("out-" + Math.abs(baseUrl.hashCode()) + ".jsonl");
            CliRun run = grm(Map.of("GRM_KEY", KEY), "score", "--in", in.toString(), "--backend", "openai",
                    "--base-url", baseUrl, "--model", "m", "--api-key-env", "GRM_KEY", "--out", out.toString());
            // 3: the failures are written; 4: the judge is unreachable (401, refused) and nothing is.
            assertThat(run.exitCode()).as(run.toString()).isIn(ExitCode.PARTIAL, ExitCode.UNREACHABLE);
            assertNoKey("grm score stdout via " + baseUrl, run.out());
            assertNoKey("grm score stderr via " + baseUrl, run.err());
            assertNoKey("grm score --out via " + baseUrl, Files.readString(out));
            if (run.exitCode() == ExitCode.PARTIAL) {
                assertThat(Files.readString(out)).contains("BACKEND_ERROR");
            } else {
                assertThat(run.err()).contains("the judge is unreachable");
            }
        }
    }

    @Test
    void grm_eval_report_and_record_never_hold_the_key() throws IOException {
        Path in = Jsonl.write(dir.resolve("bench.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2), Jsonl.pair(3)));
        for (String baseUrl : List.of(echoing(500, true), echoing(401, false))) {
            Path report = Files.createTempDirectory(dir, "report");
            Path record = report.resolve("record.jsonl");
            CliRun run = grm(Map.of("GRM_KEY", KEY), "eval", "--in", in.toString(), "--backend", "openai",
                    "--base-url", baseUrl, "--model", "m", "--api-key-env", "GRM_KEY", "--k", "1,2",
                    "--report", report.toString(), "--record", record.toString());
            assertNoKey("grm eval stdout via " + baseUrl, run.out());
            assertNoKey("grm eval stderr via " + baseUrl, run.err());
            try (Stream<Path> files = Files.walk(report)) {
                List<Path> written = files.filter(Files::isRegularFile).toList();
                assertThat(written).as(run.toString()).isNotEmpty();
                for (Path file : written) {
                    assertNoKey("grm eval wrote " + file.getFileName(), Files.readString(file));
                }
            }
        }
    }

    // --- a judge that repeats the key in what it writes ---

    @Test
    void the_backends_mask_the_key_in_the_judges_own_text() {
        String baseUrl = repeating();
        OpenAiCompatibleBackend openAi = OpenAiCompatibleBackend.builder().baseUrl(baseUrl).modelName("m")
                .apiKey(KEY).build();
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName("m")
                .maxRetries(0).build();
        for (LlmBackend backend : List.of(openAi, LangChain4jBackend.builder(model).secret(KEY).build())) {
            VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(2).build();
            VoteResult vote = voting.vote(GrmRequest.of("Which is right?", GOOD, BAD));

            assertThat(vote.isVoted()).as(vote.toString()).isTrue();
            for (Judgement sample : vote.samples()) {
                assertThat(sample.critique()).contains("Bearer ***");
                assertNoKey("critique via " + backend, sample.critique());
                assertNoKey("raw output via " + backend, sample.rawOutput());
            }
            assertNoKey("vote record via " + backend, voting.record(GrmRequest.of("Which is right?", GOOD, BAD), vote)
                    .toJson());
        }
    }

    @Test
    void grm_score_eval_record_and_rft_never_write_the_key_a_judge_repeats() throws IOException {
        Path in = Jsonl.write(dir.resolve("items.jsonl"), List.of(
                Jsonl.item("a", "Which is right?", List.of(GOOD, BAD), 0),
                Jsonl.item("b", "Which is right, really?", List.of(BAD, GOOD), 1),
                Jsonl.item("c", "And now?", List.of(GOOD, BAD), 0)));
        String baseUrl = repeating();
        Map<String, String> env = Map.of("GRM_KEY", KEY);
        String[] judge = {"--backend", "openai", "--base-url", baseUrl, "--model", "m", "--api-key-env", "GRM_KEY"};

        Path scored = dir.resolve("scored.jsonl");
        CliRun score = grm(env, concat(new String[]{"score", "--in", in.toString(), "--out", scored.toString()}, judge));
        Path record = dir.resolve("record.jsonl");
        Path report = dir.resolve("report");
        CliRun eval = grm(env, concat(new String[]{"eval", "--in", in.toString(), "--k", "1,2", "--record",
                record.toString(), "--report", report.toString()}, judge));
        Path sft = dir.resolve("sft.jsonl");
        CliRun rft = grm(env, concat(new String[]{"rft", "--in", in.toString(), "--out", sft.toString(), "--n", "2"},
                judge));

        assertThat(score.exitCode()).as(score.toString()).isZero();
        assertThat(Files.readString(scored)).contains("Bearer ***");
        assertThat(eval.exitCode()).as(eval.toString()).isZero();
        assertThat(Files.readString(record)).contains("Bearer ***");
        assertThat(rft.exitCode()).as(rft.toString()).isIn(0, 3);
        assertThat(Files.readString(sft)).as("rft kept trajectories").contains("Bearer ***");
        for (CliRun run : List.of(score, eval, rft)) {
            assertNoKey("stdout", run.out());
            assertNoKey("stderr", run.err());
        }
        assertNoKey("grm score --out", Files.readString(scored));
        assertNoKey("grm eval --record", Files.readString(record));
        assertNoKey("grm rft --out", Files.readString(sft));
        try (Stream<Path> files = Files.walk(report)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertNoKey("grm eval --report " + file.getFileName(), Files.readString(file));
            }
        }
    }

    private static String[] concat(String[] first, String[] second) {
        return Stream.concat(Stream.of(first), Stream.of(second)).toArray(String[]::new);
    }

    /** The better and the worse response of the items the repeating judge scores. */
    private static final String GOOD = "ALPHA: four.";
    private static final String BAD = "OMEGA: five.";

    /**
     * A judge on loopback that writes a well-formed judgement (right every other call) and repeats the
     * Authorization header it was sent inside its analysis, as a chatty model might.
     */
    private String repeating() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                // Right every other call: RFT keeps only items whose samples are not all right.
                boolean goodFirst = request.indexOf(GOOD) < request.indexOf(BAD);
                boolean right = calls.getAndIncrement() % 2 == 0;
                String scores = goodFirst == right ? "9, 2" : "2, 9";
                String judgement = "Specific Criteria:\n1. Accuracy (100%): The answer must be right.\n\n"
                        + "Analysis:\nResponse 1 and Response 2 were read; the request came with " + auth
                        + " (key " + auth.substring(7) + "), which is none of my business.\n\n"
                        + "Scores: \\boxed{" + scores + "}";
                ObjectNode answer = JSON.createObjectNode().put("id", "x").put("object", "chat.completion")
                        .put("model", "m");
                answer.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                        .putObject("message").put("role", "assistant").put("content", judgement);
                answer.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", 10);
                String body = JSON.writeValueAsString(answer);
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8, task -> {
                Thread thread = new Thread(task, "repeating-judge");
                thread.setDaemon(true);
                return thread;
            }));
            server.start();
            servers.add(server);
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void assertBackendNeverShowsTheKey(String baseUrl, LlmBackend backend) {
        CompletionRequest call = new CompletionRequest(List.of(Message.user("hello")), SamplingOptions.greedy());
        BackendException failure = catchThrowableOfType(() -> backend.complete(call), BackendException.class);
        assertThat(failure).as("a failure from " + baseUrl).isNotNull();
        // LangChain4jBackend keeps the provider's own exception as the cause, as the provider wrote it
        // (callers' retry logic reads its type); grm4j masks everything it writes itself.
        boolean providerCause = backend instanceof LangChain4jBackend;
        assertNoKey("exception chain from " + baseUrl, providerCause ? failure.toString() : chain(failure));
        assertNoKey("backend toString", backend.toString());

        PointwiseGrm grm = PointwiseGrm.builder(backend).build();
        GrmRequest request = GrmRequest.of("What is 2 + 2?", "4", "5");
        Judgement judgement = grm.judge(request, SamplingOptions.greedy());
        assertThat(judgement.isScored()).isFalse();
        assertNoKey("judgement failure from " + baseUrl, judgement.failure().orElse(""));
        assertNoKey("judgement toString", judgement.toString());
        judgement.cause().ifPresent(cause -> assertNoKey("judgement cause from " + baseUrl,
                providerCause ? cause.toString() : chain(cause)));

        VotingGrm voting = VotingGrm.builder(grm).k(2).build();
        VoteResult vote = voting.vote(request);
        assertNoKey("vote failure from " + baseUrl, vote.failure().orElse(""));
        assertNoKey("vote toString", vote.toString());
        assertNoKey("vote record from " + baseUrl, voting.record(request, vote).toJson());
    }

    /** Messages, toString and stack traces of the whole cause chain, suppressed ones included. */
    private static String chain(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append('\n').append(String.valueOf(t.getMessage())).append('\n').append(t.toString());
        }
        return text.toString();
    }

    /** Fails naming where the key was found, with the text around each occurrence. */
    private static void assertNoKey(String where, String text) {
        List<String> leaks = new ArrayList<>();
        for (int at = text.indexOf(FRAGMENT); at >= 0 && leaks.size() < 5; at = text.indexOf(FRAGMENT, at + 1)) {
            leaks.add("..." + text.substring(Math.max(0, at - 100), Math.min(text.length(), at + 40)) + "...");
        }
        assertThat(leaks).as("the API key leaked into " + where).isEmpty();
    }

    /** A loopback server answering every request with {@code status} and the Authorization header echoed. */
    private String echoing(int status, boolean json) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                String body = json
                        ? "{\"error\": {\"message\": \"invalid header Authorization: " + auth + "\", \"type\": \"x\"}}"
                        : "upstream failed; you sent Authorization: " + auth + " and " + auth.substring(7);
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", json ? "application/json" : "text/plain");
                exchange.getResponseHeaders().add("X-Echo", auth);
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
            servers.add(server);
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
