package dev.grm4j.core.backend;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Prompts, judges and small loopback servers shared by the OpenAI-compatible backend's tests. */
final class OpenAiCompatibleTestSupport {

    static final List<String> RESPONSES = List.of(
            "Paris is the capital of France.",
            "The capital of France is Lyon, famous for its silk.");

    private OpenAiCompatibleTestSupport() {
    }

    /** A GRM-style prompt with fenced responses, which the simulated judge can answer. */
    static CompletionRequest judgePrompt(SamplingOptions sampling) {
        String nonce = Fences.nonceFor(RESPONSES);
        String user = "Which response answers the query best?\n\n"
                + Fences.fence(1, nonce, RESPONSES.get(0)) + "\n\n" + Fences.fence(2, nonce, RESPONSES.get(1));
        return new CompletionRequest(List.of(Message.system("You are a fair judge."), Message.user(user)), sampling);
    }

    static CompletionRequest judgePrompt() {
        return judgePrompt(SamplingOptions.sampled(0.5).withSeed(7));
    }

    static SimulatedJudge judge(Duration latency) {
        return SimulatedJudge.builder()
                .groundTruth(GroundTruth.create().register(RESPONSES, 0))
                .accuracy(1.0)
                .latency(latency)
                .seed(1)
                .build();
    }

    /** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String baseUrl(int port) {
        return "http://127.0.0.1:" + port + "/v1";
    }

    /** One request as a {@link StubServer} received it. */
    record Received(String method, String path, Headers headers, String body) {
    }

    /**
     * A JDK HTTP server on loopback that records every request and answers each with a fixed status,
     * headers and body, or runs a custom handler.
     */
    static final class StubServer implements AutoCloseable {

        interface Handler {
            void handle(HttpExchange exchange) throws Exception;
        }

        final List<Received> received = new CopyOnWriteArrayList<>();
        private final HttpServer server;
        private final ExecutorService executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "stub-server");
            thread.setDaemon(true);
            return thread;
        });

        private StubServer(Handler handler) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.setExecutor(executor);
            server.createContext("/", exchange -> {
                try (exchange) {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                            exchange.getRequestHeaders(), new String(body, StandardCharsets.UTF_8)));
                    handler.handle(exchange);
                } catch (Exception e) {
                    // The client went away (a timeout test); nothing to answer.
                }
            });
            server.start();
        }

        static StubServer handling(Handler handler) {
            return new StubServer(handler);
        }

        /** Answers every request with {@code status} and a JSON {@code body}, plus header name/value pairs. */
        static StubServer answering(int status, String body, String... headers) {
            return new StubServer(exchange -> {
                for (int i = 0; i < headers.length; i += 2) {
                    exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
                exchange.getResponseBody().write(bytes);
            });
        }

        String baseUrl() {
            return OpenAiCompatibleTestSupport.baseUrl(server.getAddress().getPort());
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /**
     * Accepts connections, reads what comes and never answers; counts requests and tells when a client
     * closes its end.
     */
    static final class SilentServer implements AutoCloseable {

        final CountDownLatch requestArrived = new CountDownLatch(1);
        final CountDownLatch clientClosed = new CountDownLatch(1);
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        SilentServer() {
            try {
                socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread acceptor = new Thread(this::acceptLoop, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int connections() {
            return accepted.size();
        }

        String baseUrl() {
            return OpenAiCompatibleTestSupport.baseUrl(socket.getLocalPort());
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    accepted.add(connection);
                    Thread reader = new Thread(() -> drain(connection), "silent-server-reader");
                    reader.setDaemon(true);
                    reader.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void drain(Socket connection) {
            try (InputStream in = connection.getInputStream()) {
                byte[] buffer = new byte[8192];
                boolean first = true;
                while (in.read(buffer) >= 0) {
                    if (first) {
                        requestArrived.countDown();
                        first = false;
                    }
                }
                clientClosed.countDown();
            } catch (IOException e) {
                // A reset is a close too.
                clientClosed.countDown();
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
                for (Socket connection : accepted) {
                    connection.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
