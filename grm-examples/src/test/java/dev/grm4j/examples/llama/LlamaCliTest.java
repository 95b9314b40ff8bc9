package dev.grm4j.examples.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.examples.cli.GrmCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm score} on the embedded backend: a model file, the model store, offline, and exiting. */
class LlamaCliTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BUDGET = "320";

    @TempDir
    static Path shared;

    private static Path model;
    private static Path items;

    @TempDir
    Path dir;

    @BeforeAll
    static void files() throws IOException {
        model = RandomGguf.write(shared.resolve("tiny.gguf"), 42);
        items = Files.writeString(shared.resolve("items.jsonl"),
                "{\"id\": \"a\", \"prompt\": \"What is 2 + 2?\", \"responses\": [\"4\", \"5\"], \"best\": 0}\n"
                        + "{\"id\": \"b\", \"prompt\": \"Name a prime.\", \"responses\": [\"7\"]}\n",
                StandardCharsets.UTF_8);
    }

    @Test
    void scores_every_line_with_a_model_file() {
        Run run = grm("score", "--in", items.toString(), "--backend", "llama", "--model", model.toString(),
                "--max-tokens", BUDGET);

        assertThat(run.code).as(run.toString()).isZero();
        assertThat(run.lines()).extracting(line -> line.get("outcome").asText()).containsExactly("SCORED", "SCORED");
        assertThat(run.lines().get(0).get("scores")).hasSize(2);
        assertThat(run.lines().get(1).get("scores")).hasSize(1);
    }

    @Test
    void without_backend_or_model_downloads_the_default_model_once_into_the_store() throws IOException {
        byte[] bytes = Files.readAllBytes(model);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/org/repo/resolve/main/judge.gguf";
            Path store = dir.resolve("models");

            Run run = grm("score", "--in", items.toString(), "--model-url", url, "--model-dir", store.toString(),
                    "--max-tokens", BUDGET);

            assertThat(run.code).as(run.toString()).isZero();
            assertThat(run.err).contains("note: downloading " + url + " into " + store + " (once)");
            assertThat(run.lines()).extracting(line -> line.get("outcome").asText()).containsExactly("SCORED", "SCORED");
            assertThat(store.resolve("judge.gguf")).hasBinaryContent(bytes);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void offline_it_fails_within_seconds_naming_the_three_ways_forward() throws IOException {
        String url = "http://127.0.0.1:" + closedPort() + "/judge.gguf";

        long start = System.nanoTime();
        Run run = grm("score", "--in", items.toString(), "--model-url", url, "--model-dir", dir.toString());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(run.code).isEqualTo(2);
        assertThat(run.err).contains("cannot reach 127.0.0.1 to download judge.gguf")
                .contains("--model FILE.gguf").contains("--backend openai --base-url URL").contains("--backend simulated");
        assertThat(run.out).isEmpty();
    }

    @Test
    void rejects_options_of_other_backends() {
        Run simulated = grm("score", "--in", items.toString(), "--backend", "simulated", "--model-dir", "x");
        Run llama = grm("score", "--in", items.toString(), "--backend", "llama", "--model", model.toString(),
                "--sim-accuracy", "0.9");
        Run missing = grm("score", "--in", items.toString(), "--backend", "llama", "--model", "nope.gguf");
        Run badHash = grm("score", "--in", items.toString(), "--model-sha256", "xyz");

        assertThat(simulated.code).isEqualTo(2);
        assertThat(simulated.err).contains("--model-dir applies only with --backend llama");
        assertThat(llama.code).isEqualTo(2);
        assertThat(llama.err).contains("--sim-accuracy applies only with --backend simulated");
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).contains("--model: with --backend llama, a GGUF file; not found: nope.gguf");
        assertThat(badHash.code).isEqualTo(2);
        assertThat(badHash.err).contains("--model-sha256: sha256 must be 64 hex digits, was 'xyz'");
    }

    /**
     * java-llama.cpp leaves a native thread running after the model is closed (its issue 116): the
     * command must still end by itself, and nothing but JSON lines may reach standard output (the
     * library's loader prints there when it unpacks its native code).
     */
    @Test
    void the_command_exits_by_itself_and_keeps_standard_output_clean() throws Exception {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", testClassPath(), GrmCli.class.getName(),
                "score", "--in", items.toString(), "--backend", "llama", "--model", model.toString(),
                "--max-tokens", BUDGET));
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();

        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }

        assertThat(exited).as("grm exited within 60 s; stderr: %s", Files.readString(err)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(err)).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2).allSatisfy(line -> assertThat(parse(line).get("outcome").asText()).isEqualTo("SCORED"));
    }

    private static String testClassPath() {
        // Surefire hands the forked JVM its class path in a manifest-only jar; it names the real one here.
        String classPath = System.getProperty("surefire.test.class.path");
        return classPath != null ? classPath : System.getProperty("java.class.path");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Run grm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GrmCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON line: " + line, e);
        }
    }

    private record Run(int code, String out, String err) {

        List<JsonNode> lines() {
            return Arrays.stream(out.split("\n")).filter(line -> !line.isEmpty()).map(LlamaCliTest::parse).toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }
}
