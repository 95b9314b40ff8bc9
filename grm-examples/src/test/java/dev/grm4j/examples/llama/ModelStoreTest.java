package dev.grm4j.examples.llama;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The download path, against a loopback server serving a generated tiny GGUF model. */
class ModelStoreTest {

    private static final byte[] MODEL = RandomGguf.bytes(7);

    @TempDir
    Path dir;

    private HttpServer server;
    /** The Range header of every request for the model, "" when there was none. */
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Behaviour behaviour = Behaviour.SERVE;
    private volatile byte[] content = MODEL;

    private enum Behaviour { SERVE, CUT_FIRST_HALFWAY, NOT_FOUND }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/", this::serve);
        server.createContext("/moved/", exchange -> {
            exchange.getResponseHeaders().add("Location", "/models/" + exchange.getRequestURI().getPath()
                    .substring("/moved/".length()));
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void downloads_once_checks_the_file_and_then_serves_it_from_the_directory() throws IOException {
        StringWriter progress = new StringWriter();
        ModelStore store = ModelStore.builder().directory(dir).progressBar(new PrintWriter(progress)).build();
        ModelSource source = ModelSource.of(url("/moved/tiny.gguf")).withSha256(ModelStore.sha256(write(MODEL)));

        Path first = store.fetch(source);
        Path second = store.fetch(source);

        assertThat(first).isEqualTo(dir.resolve("tiny.gguf")).isEqualTo(second);
        assertThat(Files.readAllBytes(first)).isEqualTo(MODEL);
        assertThat(requests).hasValue(1);
        assertThat(ranges).containsExactly("");
        assertThat(dir.resolve("tiny.gguf.part")).doesNotExist();
        assertThat(progress.toString()).contains("downloading tiny.gguf").contains("100%");
    }

    @Test
    void resumes_a_transfer_the_server_cut_off_halfway() throws IOException {
        behaviour = Behaviour.CUT_FIRST_HALFWAY;
        ModelStore store = ModelStore.builder().directory(dir).build();

        Path file = store.fetch(ModelSource.of(url("/models/tiny.gguf")));

        assertThat(Files.readAllBytes(file)).isEqualTo(MODEL);
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(0)).isEmpty();
        long resumedFrom = Long.parseLong(ranges.get(1).replaceAll("bytes=(\\d+)-", "$1"));
        assertThat(resumedFrom).isPositive().isLessThan(MODEL.length);
    }

    @Test
    void resumes_a_partial_file_left_by_an_earlier_run() throws IOException {
        Files.write(dir.resolve("tiny.gguf.part"), Arrays.copyOf(MODEL, 1000));
        ModelStore store = ModelStore.builder().directory(dir).build();

        Path file = store.fetch(ModelSource.of(url("/models/tiny.gguf")));

        assertThat(Files.readAllBytes(file)).isEqualTo(MODEL);
        assertThat(ranges).containsExactly("bytes=1000-");
    }

    @Test
    void rejects_a_file_that_is_not_gguf_and_leaves_nothing_under_its_name() {
        byte[] html = "<html>Sign in to continue</html>".getBytes(StandardCharsets.UTF_8);
        content = html;
        ModelStore store = ModelStore.builder().directory(dir).build();

        assertThatThrownBy(() -> store.fetch(ModelSource.of(url("/models/tiny.gguf"))))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("is not a GGUF model (magic 3c 68 74 6d, expected GGUF)")
                .satisfies(e -> assertThat(((ModelStoreException) e).isUnreachable()).isFalse());
        assertThat(dir.resolve("tiny.gguf")).doesNotExist();
        assertThat(dir.resolve("tiny.gguf.part")).doesNotExist();
    }

    @Test
    void rejects_a_file_whose_sha256_differs() {
        ModelStore store = ModelStore.builder().directory(dir).build();
        String wrong = "0".repeat(64);

        assertThatThrownBy(() -> store.fetch(ModelSource.of(url("/models/tiny.gguf")).withSha256(wrong)))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("expected " + wrong + "; deleted");
        assertThat(dir.resolve("tiny.gguf")).doesNotExist();
        assertThat(dir.resolve("tiny.gguf.part")).doesNotExist();
    }

    @Test
    void names_the_status_when_the_server_has_no_such_file() {
        behaviour = Behaviour.NOT_FOUND;
        ModelStore store = ModelStore.builder().directory(dir).build();

        assertThatThrownBy(() -> store.fetch(ModelSource.of(url("/models/tiny.gguf"))))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("server answered 404 for " + url("/models/tiny.gguf"));
        assertThat(requests).hasValue(1);
    }

    @Test
    void fails_within_seconds_when_offline_and_names_the_three_ways_forward() throws IOException {
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort() + "/models/tiny.gguf");
        LlamaOptions options = new LlamaOptions();
        options.modelUrl = nowhere;
        options.modelDir = dir;
        options.contextSize = LlamaCppBackend.DEFAULT_CONTEXT_SIZE;

        long start = System.nanoTime();
        assertThatThrownBy(() -> options.open(null, new PrintWriter(new StringWriter()), false))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("cannot reach 127.0.0.1 to download tiny.gguf")
                .hasMessageContaining("--model FILE.gguf")
                .hasMessageContaining("--backend openai --base-url URL")
                .hasMessageContaining("--backend simulated")
                .satisfies(e -> assertThat(((ModelStoreException) e).isUnreachable()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(dir.resolve("tiny.gguf")).doesNotExist();
    }

    @Test
    void a_source_needs_an_http_address_and_a_gguf_file_name() {
        assertThatThrownBy(() -> ModelSource.of(URI.create("ftp://example.org/m.gguf")))
                .hasMessage("url must be an http or https address, was ftp://example.org/m.gguf");
        assertThatThrownBy(() -> ModelSource.of(URI.create("https://example.org/model.bin")))
                .hasMessage("fileName must be a plain file name ending in .gguf, was 'model.bin'");
        assertThatThrownBy(() -> ModelSource.DEFAULT.withSha256("abc"))
                .hasMessage("sha256 must be 64 hex digits, was 'abc'");
        assertThat(ModelSource.DEFAULT.fileName()).isEqualTo("qwen2.5-1.5b-instruct-q4_k_m.gguf");
    }

    private void serve(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String range = exchange.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "" : range);
        byte[] body = content;
        try (exchange) {
            if (behaviour == Behaviour.NOT_FOUND) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            if (from > 0) {
                exchange.getResponseHeaders().add("Content-Range",
                        "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                exchange.sendResponseHeaders(206, body.length - from);
            } else {
                exchange.sendResponseHeaders(200, body.length);
            }
            OutputStream out = exchange.getResponseBody();
            if (behaviour == Behaviour.CUT_FIRST_HALFWAY && requests.get() == 1) {
                out.write(body, 0, body.length / 2);
                out.flush();
                // Closing short of the announced length makes the server drop the connection.
                return;
            }
            out.write(body, from, body.length - from);
        } catch (IOException expected) {
            // "insufficient bytes written to stream": the cut is the point.
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "expected", ".bin"), bytes);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
