package dev.grm4j.examples.llama;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.examples.cli.Loopback;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The download path, pins, multi-part models and offline use, against a loopback server serving generated tiny GGUF models. */
class ModelStoreTest {

    private static final byte[] MODEL = RandomGguf.bytes(7);
    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path dir;

    private HttpServer server;
    /** The Range header of every request for the model, "" when there was none. */
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Behaviour behaviour = Behaviour.SERVE;
    private volatile byte[] content = MODEL;
    /** Files served at their own paths; any other path under /models/ gets {@link #content}. */
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

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
    void fetches_every_part_of_a_split_model_and_llama_cpp_loads_it_from_the_first() throws IOException {
        Path source = Files.createDirectories(dir.resolve("published"));
        List<Path> published = RandomGguf.writeSplit(source, "tiny", 42);
        ModelCatalog.Entry model = entry("/models/org/tiny/resolve/" + REVISION + "/", published);
        ModelStore store = ModelStore.builder().directory(dir.resolve("store")).build();

        Path first = store.fetch(model);

        assertThat(first).isEqualTo(dir.resolve("store").resolve("tiny-00001-of-00002.gguf"));
        assertThat(first).hasSameBinaryContentAs(published.get(0));
        assertThat(first.resolveSibling("tiny-00002-of-00002.gguf")).hasSameBinaryContentAs(published.get(1));
        assertThat(requests).hasValue(2);
        assertThat(store.status(model.parts().get(1)))
                .isEqualTo(new ModelStore.PartStatus(model.parts().get(1), ModelStore.PartStatus.State.COMPLETE,
                        Files.size(published.get(1)), true));
        // llama.cpp finds the second part beside the first: the split answers as the whole model does.
        Path whole = RandomGguf.write(dir.resolve("whole.gguf"), 42);
        assertThat(greedyText(first)).isEqualTo(greedyText(whole));
        assertThat(store.fetch(model)).isEqualTo(first);
        assertThat(requests).as("a stored, verified model needs no request").hasValue(2);
    }

    @Test
    void a_stored_file_of_the_wrong_size_is_reported_and_left_alone() throws IOException {
        ModelSource source = pinned("/models/tiny.gguf", MODEL);
        Path stored = Files.write(dir.resolve("tiny.gguf"), Arrays.copyOf(MODEL, MODEL.length - 10));
        ModelStore store = ModelStore.builder().directory(dir).build();

        assertThatThrownBy(() -> store.fetch(source))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("stored model " + stored + " has " + ModelStore.bytes(MODEL.length - 10)
                        + ", but it is pinned to " + ModelStore.bytes(MODEL.length))
                .hasMessageContaining("Delete it to download it again");
        assertThat(stored).hasSize(MODEL.length - 10);
        assertThat(requests).hasValue(0);
        assertThat(store.status(source).state()).isEqualTo(ModelStore.PartStatus.State.WRONG_SIZE);
    }

    @Test
    void a_file_put_in_the_store_by_hand_is_verified_on_first_use_and_a_wrong_one_is_refused() throws IOException {
        ModelSource right = pinned("/models/right.gguf", MODEL);
        byte[] other = RandomGguf.bytes(8);
        ModelSource wrong = pinned("/models/wrong.gguf", MODEL);
        Files.write(dir.resolve("right.gguf"), MODEL);
        Path impostor = Files.write(dir.resolve("wrong.gguf"), Arrays.copyOf(other, MODEL.length));
        ModelStore store = ModelStore.builder().directory(dir).build();

        assertThat(store.status(right).verified()).isFalse();
        assertThat(store.fetch(right)).isEqualTo(dir.resolve("right.gguf"));
        assertThat(store.status(right).verified()).isTrue();
        assertThat(dir.resolve("right.gguf.verified")).exists();
        assertThatThrownBy(() -> store.fetch(wrong))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("stored model " + impostor + " has SHA-256 " + ModelStore.sha256(impostor)
                        + ", but it is pinned to " + right.sha256().orElseThrow());
        assertThat(impostor).exists();
        assertThat(requests).hasValue(0);
    }

    @Test
    void refuses_a_download_whose_announced_size_is_not_the_pinned_one_before_keeping_a_byte() throws IOException {
        ModelSource source = pinned("/models/tiny.gguf", MODEL).withSize(MODEL.length + 1L);
        ModelStore store = ModelStore.builder().directory(dir).build();

        assertThatThrownBy(() -> store.fetch(source))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("server announced " + ModelStore.bytes(MODEL.length) + " for tiny.gguf at "
                        + source.url() + ", but it is pinned to " + ModelStore.bytes(MODEL.length + 1L));
        assertThat(requests).hasValue(1);
        assertThat(dir.resolve("tiny.gguf")).doesNotExist();
        assertThat(dir.resolve("tiny.gguf.part")).doesNotExist();
    }

    @Test
    void a_pinned_download_resumed_after_a_cut_is_checked_whole() throws IOException {
        behaviour = Behaviour.CUT_FIRST_HALFWAY;
        ModelSource source = pinned("/models/tiny.gguf", MODEL);
        ModelStore store = ModelStore.builder().directory(dir).build();

        Path file = store.fetch(source);

        assertThat(Files.readAllBytes(file)).isEqualTo(MODEL);
        assertThat(ranges).hasSize(2);
        assertThat(store.status(source).verified()).isTrue();
    }

    @Test
    void a_partial_download_with_every_byte_is_checked_and_completed_without_a_request() throws IOException {
        ModelSource source = pinned("/models/tiny.gguf", MODEL);
        Files.write(dir.resolve("tiny.gguf.part"), MODEL);
        ModelStore store = ModelStore.builder().directory(dir).offline(true).build();

        assertThat(store.fetch(source)).hasBinaryContent(MODEL);
        assertThat(requests).hasValue(0);
    }

    @Test
    void offline_it_never_connects_and_fails_at_once_naming_each_missing_file_its_address_size_and_the_directory()
            throws IOException {
        try (Loopback recorder = Loopback.silent()) {
            String base = recorder.baseUrl().replace("/v1", "") + "/org/big/resolve/" + REVISION + "/";
            Path source = Files.createDirectories(dir.resolve("published"));
            ModelCatalog.Entry model = entry(URI.create(base), RandomGguf.writeSplit(source, "big", 1));
            Path store = dir.resolve("store");
            Files.createDirectories(store);
            Files.write(store.resolve("big-00002-of-00002.gguf.part"), new byte[1000]);
            ModelStore offline = ModelStore.builder().directory(store).offline(true).build();

            long start = System.nanoTime();
            Throwable failure = catchThrowable(() -> offline.fetch(model));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(failure).isInstanceOf(ModelStoreException.class);
            ModelStoreException e = (ModelStoreException) failure;
            assertThat(e.isOffline()).isTrue();
            assertThat(e.isUnreachable()).isFalse();
            assertThat(e.getMessage())
                    .startsWith("offline: model test is not in the model store " + store + ", and nothing is "
                            + "downloaded offline; 2 files missing:")
                    .contains("\n  big-00001-of-00002.gguf, " + ModelStore.bytes(model.parts().get(0).size().getAsLong())
                            + ", SHA-256 " + model.parts().get(0).sha256().orElseThrow() + ", from " + base
                            + "big-00001-of-00002.gguf")
                    .contains("\n  big-00002-of-00002.gguf, " + ModelStore.bytes(model.parts().get(1).size().getAsLong()))
                    .contains("(a partial download of 1,000 bytes is there; a run that is not offline resumes it)")
                    .contains("Put them in " + store + " under those names, e.g. curl -L -o "
                            + store.resolve("big-00001-of-00002.gguf") + " " + base + "big-00001-of-00002.gguf");
            assertThat(recorder.requests).as("connections to the model's server").hasValue(0);
            assertThat(store.resolve("big-00001-of-00002.gguf")).doesNotExist();
        }
    }

    @Test
    void offline_a_stored_model_is_used_without_a_connection() throws IOException {
        ModelSource source = pinned("/models/tiny.gguf", MODEL);
        Files.write(dir.resolve("tiny.gguf"), MODEL);
        ModelStore store = ModelStore.builder().directory(dir).offline(true).build();

        assertThat(store.isOffline()).isTrue();
        assertThat(store.fetch(source)).hasBinaryContent(MODEL);
        assertThat(requests).hasValue(0);
    }

    @Test
    void status_reads_the_directory_alone() throws IOException {
        ModelSource complete = pinned("/models/a.gguf", MODEL);
        ModelSource partial = pinned("/models/b.gguf", MODEL);
        ModelSource missing = pinned("/models/c.gguf", MODEL);
        ModelSource unpinned = ModelSource.of(url("/models/d.gguf"));
        Files.write(dir.resolve("a.gguf"), MODEL);
        Files.write(dir.resolve("b.gguf.part"), new byte[1000]);
        Files.write(dir.resolve("d.gguf"), new byte[10]);
        ModelStore store = ModelStore.builder().directory(dir).build();

        assertThat(store.status(complete)).extracting(ModelStore.PartStatus::state, ModelStore.PartStatus::bytesOnDisk,
                ModelStore.PartStatus::verified).containsExactly(ModelStore.PartStatus.State.COMPLETE, (long) MODEL.length,
                false);
        assertThat(store.status(partial)).extracting(ModelStore.PartStatus::state, ModelStore.PartStatus::bytesOnDisk)
                .containsExactly(ModelStore.PartStatus.State.PARTIAL, 1000L);
        assertThat(store.status(missing).state()).isEqualTo(ModelStore.PartStatus.State.MISSING);
        assertThat(store.status(unpinned).state()).isEqualTo(ModelStore.PartStatus.State.COMPLETE);
        assertThat(requests).hasValue(0);
    }

    private ModelSource pinned(String path, byte[] bytes) throws IOException {
        return ModelSource.pinned(url(path), bytes.length, ModelStore.sha256(write(bytes)));
    }

    /** A catalogue entry of {@code parts} as published, served by the loopback server under {@code path}. */
    private ModelCatalog.Entry entry(String path, List<Path> parts) throws IOException {
        for (Path part : parts) {
            files.put(path + part.getFileName(), Files.readAllBytes(part));
        }
        return entry(url(path), parts);
    }

    private static ModelCatalog.Entry entry(URI base, List<Path> parts) throws IOException {
        List<ModelSource> sources = new java.util.ArrayList<>();
        for (Path part : parts) {
            sources.add(ModelSource.pinned(base.resolve(part.getFileName().toString()), Files.size(part),
                    ModelStore.sha256(part)));
        }
        return new ModelCatalog.Entry("test", "Tiny", "115K", "F32", "MIT", REVISION, sources);
    }

    private static String greedyText(Path model) {
        try (LlamaCppBackend backend = LlamaCppBackend.builder(model).build()) {
            return backend.complete(new CompletionRequest(List.of(Message.user("Say something.")),
                    SamplingOptions.greedy().withMaxOutputTokens(16))).text();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String range = exchange.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "" : range);
        byte[] body = files.getOrDefault(exchange.getRequestURI().getPath(), content);
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
