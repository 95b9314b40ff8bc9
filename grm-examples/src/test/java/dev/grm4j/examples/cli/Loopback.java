package dev.grm4j.examples.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Judges on loopback that misbehave in one precise way, for the CLI's failure tests: a fixed answer (a
 * 401 with an OpenAI error body, a 500), a custom handler, or a server that accepts connections and
 * never answers. Counts the requests it gets.
 */
public final class Loopback implements AutoCloseable {

    public interface Handler {
        void handle(HttpExchange exchange, String body) throws IOException;
    }

    public final AtomicInteger requests = new AtomicInteger();
    private final HttpServer server;
    private final ServerSocket silent;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final ExecutorService executor;

    private Loopback(HttpServer server, ServerSocket silent, ExecutorService executor) {
        this.server = server;
        this.silent = silent;
        this.executor = executor;
    }

    /** Answers every request with {@code status} and {@code body} (JSON). */
    public static Loopback answering(int status, String body) {
        return handling((exchange, request) -> send(exchange, status, body));
    }

    public static Loopback handling(Handler handler) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
            ExecutorService executor = Executors.newCachedThreadPool(task -> {
                Thread thread = new Thread(task, "loopback-judge");
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(executor);
            Loopback loopback = new Loopback(server, null, executor);
            server.createContext("/", exchange -> {
                try (exchange) {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    loopback.requests.incrementAndGet();
                    handler.handle(exchange, body);
                } catch (IOException e) {
                    // The client went away; nothing to answer.
                }
            });
            server.start();
            return loopback;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Accepts every connection and reads nothing, answers nothing: a judge that hangs. */
    public static Loopback silent() {
        try {
            ServerSocket socket = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
            Loopback loopback = new Loopback(null, socket, null);
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        loopback.held.add(socket.accept());
                        loopback.requests.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "silent-judge");
            acceptor.setDaemon(true);
            acceptor.start();
            return loopback;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** A base URL on 127.0.0.1 that nothing listens on (it was free a moment ago). */
    public static String closedBaseUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        int port = server != null ? server.getAddress().getPort() : silent.getLocalPort();
        return "http://127.0.0.1:" + port + "/v1";
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        if (silent != null) {
            try {
                silent.close();
                for (Socket socket : held) {
                    socket.close();
                }
            } catch (IOException e) {
                // Closing; nothing to do.
            }
        }
    }
}
