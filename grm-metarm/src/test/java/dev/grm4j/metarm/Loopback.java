package dev.grm4j.metarm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A JDK HTTP server on 127.0.0.1 that answers every POST with a scripted status and body, at once or,
 * with a gate, once the test opens it: calls that must overlap are held by a latch, not a sleep.
 */
final class Loopback implements AutoCloseable {

    /** A scripted answer. */
    record Answer(int status, String body) {
    }

    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    private final HttpServer server;

    /** Answers every POST at once. */
    Loopback(Function<String, Answer> script) throws IOException {
        this(script, new CountDownLatch(0));
    }

    /** Holds every POST, counted in {@link #inFlight}, until {@code gate} opens (30 s at most). */
    Loopback(Function<String, Answer> script, CountDownLatch gate) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/classify", exchange -> handle(exchange, script, gate));
        server.start();
    }

    /** Waits until {@code count} POSTs are held or answered at once, for 10 s at most. */
    void awaitInFlight(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inFlight.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " calls in flight, saw " + inFlight.get());
            }
            Thread.sleep(1);
        }
    }

    private void handle(HttpExchange exchange, Function<String, Answer> script, CountDownLatch gate) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(authorization == null ? "" : authorization);
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
            Answer answer = script.apply(body);
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/classify");
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
