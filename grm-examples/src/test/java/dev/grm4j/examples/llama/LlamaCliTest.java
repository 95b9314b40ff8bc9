package dev.grm4j.examples.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.GrmCli;
import dev.grm4j.examples.cli.Loopback;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm score} on the embedded backend: a model file, the catalogue and the model store, offline, and exiting. */
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
        Run badHash = grm("score", "--in", items.toString(), "--model-url", "http://127.0.0.1:1/m.gguf",
                "--model-sha256", "xyz");
        Run offline = grm("score", "--in", items.toString(), "--backend", "simulated", "--offline");

        assertThat(simulated.code).isEqualTo(2);
        assertThat(simulated.err).contains("--model-dir applies only with --backend llama");
        assertThat(llama.code).isEqualTo(2);
        assertThat(llama.err).contains("--sim-accuracy applies only with --backend simulated");
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).contains("--model: no such GGUF file: nope.gguf (or name a catalogue model: "
                + "qwen2.5-1.5b, qwen2.5-7b)");
        assertThat(badHash.code).isEqualTo(2);
        assertThat(badHash.err).contains("--model-sha256: sha256 must be 64 hex digits, was 'xyz'");
        assertThat(offline.code).isEqualTo(2);
        assertThat(offline.err).contains("--offline applies only with --backend llama");
    }

    @Test
    void model_is_a_catalogue_name_or_a_file_and_names_the_catalogue_when_it_is_neither() {
        CliRun unknown = CliRun.grm("score", "--in", items.toString(), "--model", "llama-70b");
        CliRun twice = CliRun.grm("score", "--in", items.toString(), "--model", "qwen2.5-7b", "--model-url",
                "http://127.0.0.1:1/m.gguf");
        CliRun hashAlone = CliRun.grm("score", "--in", items.toString(), "--model", "qwen2.5-7b", "--model-sha256",
                "ab".repeat(32));
        CliRun badVariable = CliRun.grm(Map.of("GRM_OFFLINE", "maybe"), "score", "--in", items.toString());

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--model: with --backend llama, a catalogue model (qwen2.5-1.5b, qwen2.5-7b; "
                + "see grm models) or a GGUF file; neither: llama-70b");
        assertThat(twice.err()).contains("--model and --model-url both name the model; give one");
        assertThat(hashAlone.err()).contains("--model-sha256 applies only with --model-url (the catalogue's models are "
                + "pinned already)");
        assertThat(badVariable.exitCode()).isEqualTo(2);
        assertThat(badVariable.err()).contains("GRM_OFFLINE must be 1 (offline) or 0, was 'maybe'");
    }

    @Test
    void offline_it_never_connects_and_fails_at_once_naming_the_file_its_address_and_the_directory() {
        try (Loopback recorder = Loopback.silent()) {
            String url = recorder.baseUrl() + "/judge.gguf";
            Path store = dir.resolve("models");

            long start = System.nanoTime();
            Run run = grm("score", "--in", items.toString(), "--model-url", url, "--model-dir", store.toString(),
                    "--offline");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(run.code).as(run.toString()).isEqualTo(2);
            assertThat(run.err).contains("offline: judge.gguf is not in the model store " + store
                            + ", and nothing is downloaded offline; missing:\n  judge.gguf, from " + url)
                    .contains("Put it in " + store + " under that name, e.g. curl -L -o " + store.resolve("judge.gguf")
                            + " " + url)
                    .contains("(Offline because of --offline.)")
                    .contains("--backend simulated");
            assertThat(run.out).isEmpty();
            assertThat(recorder.requests).as("connections to the model's server").hasValue(0);
        }
    }

    @Test
    void grm_offline_names_every_part_of_a_split_catalogue_model_with_its_size_and_pinned_address() {
        long start = System.nanoTime();
        CliRun run = CliRun.grm(Map.of("GRM_OFFLINE", "1"), "score", "--in", items.toString(),
                "--model", "qwen2.5-7b", "--model-dir", dir.toString());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        String base = "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF/resolve/bb5d59e06d9551d752d08b292a50eb208b07ab1f/";
        assertThat(run.err()).contains("offline: model qwen2.5-7b is not in the model store " + dir)
                .contains("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf, 3,993,201,344 bytes, SHA-256 "
                        + "dfce12e3862a5283ccfb88221b48480e58745165de856439950d0f22590580db, from " + base
                        + "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf")
                .contains("qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf, 689,872,288 bytes")
                .contains("Put them in " + dir)
                .contains("(Offline because GRM_OFFLINE is set.)");
    }

    @Test
    void offline_without_model_it_names_the_pinned_default() {
        CliRun run = CliRun.grm(Map.of("GRM_OFFLINE", "1"), "score", "--in", items.toString(),
                "--model-dir", dir.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("offline: model qwen2.5-1.5b is not in the model store " + dir)
                .contains("qwen2.5-1.5b-instruct-q4_k_m.gguf, 1,117,320,736 bytes, SHA-256 "
                        + "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e, from https://huggingface.co/"
                        + "Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/"
                        + "qwen2.5-1.5b-instruct-q4_k_m.gguf");
    }

    @Test
    void offline_a_model_in_the_store_is_scored_without_a_connection() throws IOException {
        try (Loopback recorder = Loopback.silent()) {
            Path store = Files.createDirectories(dir.resolve("models"));
            Files.copy(model, store.resolve("judge.gguf"));

            CliRun run = CliRun.grm(Map.of("GRM_OFFLINE", "1"), "score", "--in", items.toString(), "--model-url",
                    recorder.baseUrl() + "/judge.gguf", "--model-dir", store.toString(), "--max-tokens", BUDGET);

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.lines()).extracting(line -> line.get("outcome").asText()).containsExactly("SCORED", "SCORED");
            assertThat(recorder.requests).hasValue(0);
        }
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
