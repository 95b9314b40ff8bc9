package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.examples.serve.RewardServerTest.WordCountJudge;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reliability suite 6 (server abuse): {@code grm serve}'s {@link RewardServer} on loopback, fed bodies
 * over the limit, broken JSON, wrong types and unknown fields, 1000 connections at once, and slow
 * (slowloris) clients. Every abusive request must get a 4xx or 503 with a JSON error, and the server
 * must keep answering everyone else. Raw sockets, so the test sees exactly what goes over the wire and
 * every read has a deadline: nothing can hang. Figures are printed with the prefix {@code [reliability 6]}.
 */
class ReliabilityServerAbuseTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCORE = "{\"query\": \"q\", \"responses\": [\"one two\", \"three\"]}";

    private RewardServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() {
        sockets.forEach(ReliabilityServerAbuseTest::closeQuietly);
        if (server != null) {
            server.close();
        }
    }

    private int start(RewardServer.Builder builder) throws IOException {
        server = builder.port(0).grace(Duration.ofSeconds(2)).build().start();
        return server.port();
    }

    private static RewardServer.Builder builder(Duration latency) {
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(new WordCountJudge(latency)).build())
                .k(2).maxConcurrency(256).build();
        return RewardServer.builder(voting);
    }

    // ---------------------------------------------------------------- oversized bodies

    @Test
    @Timeout(30)
    void a_body_over_a_configured_limit_gets_413_with_a_json_error_whether_announced_or_streamed() throws Exception {
        int port = start(builder(Duration.ZERO).maxBodyBytes(1_000));
        String big = "{\"query\": \"q\", \"responses\": [\"" + "x".repeat(5_000) + "\"]}";

        Reply announced = exchange(port, post("/v1/score", big));
        Reply streamed = exchange(port, chunkedPost("/v1/score", big.getBytes(StandardCharsets.UTF_8)));
        Reply justUnder = exchange(port, post("/v1/score", SCORE + " ".repeat(1_000 - SCORE.length())));

        assertJsonError(announced, 413, "larger than the limit of 1000 bytes");
        assertJsonError(streamed, 413, "larger than the limit of 1000 bytes");
        assertThat(justUnder.status()).as(justUnder.toString()).isEqualTo(200);
        assertThat(exchange(port, get("/health")).status()).isEqualTo(200);
    }

    @Test
    @Timeout(60)
    void the_default_limit_is_10_mb_an_11_mb_body_gets_413_and_9_mb_does_not() throws Exception {
        int port = start(builder(Duration.ZERO));
        int eleven = 11 * 1024 * 1024;
        byte[] body = new byte[eleven];
        java.util.Arrays.fill(body, (byte) ' ');

        long t0 = System.nanoTime();
        Reply announced = exchangeWhileSending(port, headers("POST", "/v1/score", "Content-Length: " + eleven), body);
        long announcedMs = millisSince(t0);
        t0 = System.nanoTime();
        Reply streamed = exchangeWhileSending(port, headers("POST", "/v1/score", "Transfer-Encoding: chunked"),
                chunked(body));
        long streamedMs = millisSince(t0);
        String nine = "{\"query\": \"q\", \"responses\": [\"" + "x ".repeat(9 * 1024 * 1024 / 2) + "\"]}";
        t0 = System.nanoTime();
        Reply underDefault = exchange(port, post("/v1/score", nine));
        long nineMs = millisSince(t0);

        assertJsonError(announced, 413, "larger than the limit of 10485760 bytes");
        assertJsonError(streamed, 413, "larger than the limit of 10485760 bytes");
        assertThat(underDefault.status()).as(underDefault.toString()).isNotEqualTo(413).isIn(200, 400);
        assertThat(exchange(port, get("/health")).status()).isEqualTo(200);
        System.out.printf("[reliability 6] default limit: 11 MB announced -> %d in %d ms, 11 MB chunked -> %d in %d ms,"
                + " 9 MB -> %d in %d ms%n", announced.status(), announcedMs, streamed.status(), streamedMs,
                underDefault.status(), nineMs);
    }

    // ---------------------------------------------------------------- bad JSON, wrong types, unknown fields

    @Test
    @Timeout(60)
    void every_malformed_body_gets_400_with_a_json_error_naming_what_is_wrong() throws Exception {
        int port = start(builder(Duration.ZERO));
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("/v1/score", new String[]{
                "{not json", "not valid JSON",
                "{\"query\": \"q\", \"responses\": [\"a\"]} trailing", "not valid JSON",
                "", "body is empty",
                "[1, 2]", "body must be a JSON object",
                "\"just a string\"", "body must be a JSON object",
                "{\"query\": 3, \"responses\": [\"a\"]}", "query must be a string",
                "{\"query\": \"q\", \"responses\": \"a\"}", "responses must be an array of strings",
                "{\"query\": \"q\", \"responses\": [1]}", "responses[0] must be a string",
                "{\"query\": \"q\", \"responses\": [\"a\", null]}", "responses[1] must be a string",
                "{\"query\": \"q\"}", "responses is required",
                "{\"query\": \"q\", \"responses\": [\"a\"], \"temperature\": 1}", "unknown field 'temperature'",
                "{\"query\": \"q\", \"responses\": [\"a\"], \"reference\": {}}", "reference must be a string",
                "{\"conversation\": \"hi\", \"responses\": [\"a\"]}", "conversation must be an array",
                "{\"conversation\": [{\"role\": \"user\"}], \"responses\": [\"a\"]}", "conversation[0]",
                "{\"query\": \"q\", \"conversation\": [], \"responses\": [\"a\"]}", "exactly one of query",
                "{\"query\": \"q\", \"responses\": [\"a\"], \"principles\": \"be nice\"}", "principles must be an array",
                "{\"query\": \"q\", \"responses\": [\"a\"], \"principles\": [{\"text\": \"x\", \"weight\": \"heavy\"}]}",
                "principles[0]",
                "[".repeat(100_000), "not valid JSON",
                "{\"query\": \"q\", \"responses\": [\"a\"], \"x\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}",
                "not valid JSON"});
        cases.put("/get_reward", new String[]{
                "{\"query\": \"x\"}", "query must be an array of strings",
                "{\"query\": [\"a\"], \"labels\": [1]}", "labels[0] must be a string",
                "{\"query\": [\"a\"], \"rewards\": []}", "unknown field 'rewards'"});
        cases.put("/v1/spct-reward", new String[]{
                "{\"query\": [\"x\"]}", "query, prompts and labels are required",
                "{\"query\": [\"x\"], \"prompts\": [\"x\"], \"labels\": [true]}", "labels[0] must be a string"});

        int count = 0;
        for (Map.Entry<String, String[]> endpoint : cases.entrySet()) {
            String[] table = endpoint.getValue();
            for (int i = 0; i < table.length; i += 2) {
                Reply reply = exchange(port, post(endpoint.getKey(), table[i]));
                assertJsonError(reply, 400, table[i + 1]);
                assertThat(JSON.readTree(reply.body()).path("error").path("type").asText())
                        .as(reply.toString()).isEqualTo("invalid_request");
                count++;
            }
        }
        assertThat(exchange(port, post("/v1/score", SCORE)).status()).isEqualTo(200);
        System.out.printf("[reliability 6] %d malformed bodies: all 400 with a JSON error naming the fault%n", count);
    }

    // ---------------------------------------------------------------- 1000 connections at once

    @Test
    @Timeout(120)
    void a_thousand_connections_at_once_are_all_answered_and_the_server_keeps_serving() throws Exception {
        int port = start(builder(Duration.ofMillis(20)));
        int connections = 1000;
        byte[] score = post("/v1/score", SCORE);
        byte[] health = get("/health");

        long t0 = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            Socket socket = connect(port, Duration.ofSeconds(60));
            socket.getOutputStream().write(i % 2 == 0 ? score : health);
            socket.getOutputStream().flush();
        }
        long sentMs = millisSince(t0);
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        for (Socket socket : sockets) {
            Reply reply = read(socket);
            statuses.merge(reply.status(), 1, Integer::sum);
            boolean answered = reply.status() == 200 || reply.status() == 503
                    || (reply.status() >= 400 && reply.status() < 500 && isJsonError(reply));
            if (!answered || !reply.isJson()) {
                bad.add(reply.toString());
            }
        }
        long allMs = millisSince(t0);
        sockets.forEach(ReliabilityServerAbuseTest::closeQuietly);
        sockets.clear();

        assertThat(bad).as("answers that are not 200, 503 or a 4xx JSON error").isEmpty();
        assertThat(statuses.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(connections);
        long t1 = System.nanoTime();
        assertThat(exchange(port, get("/health")).status()).isEqualTo(200);
        assertThat(exchange(port, post("/v1/score", SCORE)).status()).isEqualTo(200);
        System.out.printf("[reliability 6] %d connections (half /v1/score, half /health): sent in %d ms, all answered"
                + " in %d ms, statuses %s; /health + /v1/score afterwards in %d ms%n",
                connections, sentMs, allMs, statuses, millisSince(t1));
    }

    // ---------------------------------------------------------------- slowloris

    /**
     * 200 clients that drip their request one byte a second and never finish: 100 in the headers, 100
     * in a body announced as 100 kB. While they hang, a normal {@code /health} and {@code /v1/score}
     * must still be answered within 5 s.
     *
     * <p>The JDK server reads headers and bodies on its executor with no read deadline; with the first
     * pool of 4 threads, 4 such clients starved everyone. The server now reads on a pool of 256 (virtual
     * threads on Java 21+), so it takes more slow clients than that on Java 17.
     */
    @Test
    @Timeout(90)
    void slow_clients_that_never_finish_do_not_stop_the_server_answering_others() throws Exception {
        int port = start(builder(Duration.ofMillis(20)));
        int slow = 200;
        List<Socket> dripping = new ArrayList<>();
        for (int i = 0; i < slow; i++) {
            Socket socket = connect(port, Duration.ofSeconds(5));
            String opening = i % 2 == 0
                    ? "POST /v1/score HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                    : new String(headers("POST", "/v1/score", "Content-Length: 100000"), StandardCharsets.US_ASCII)
                    + "{\"query\": \"";
            socket.getOutputStream().write(opening.getBytes(StandardCharsets.US_ASCII));
            dripping.add(socket);
        }
        CompletableFuture<Void> drip = CompletableFuture.runAsync(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (Socket socket : dripping) {
                    try {
                        socket.getOutputStream().write('a');
                    } catch (IOException e) {
                        // the server closed it: that is allowed
                    }
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            Thread.sleep(2_000);
            long t0 = System.nanoTime();
            Reply health = exchange(port, get("/health"), Duration.ofSeconds(5));
            long healthMs = millisSince(t0);
            t0 = System.nanoTime();
            Reply score = exchange(port, post("/v1/score", SCORE), Duration.ofSeconds(5));
            long scoreMs = millisSince(t0);
            System.out.printf("[reliability 6] %d slowloris connections: /health -> %d in %d ms, /v1/score -> %d in %d ms%n",
                    slow, health.status(), healthMs, score.status(), scoreMs);

            assertThat(health.status()).as("/health while %d clients drip: %s", slow, health).isEqualTo(200);
            assertThat(score.status()).as("/v1/score while %d clients drip: %s", slow, score).isEqualTo(200);
        } finally {
            drip.cancel(true);
            dripping.forEach(ReliabilityServerAbuseTest::closeQuietly);
        }
        long t1 = System.nanoTime();
        Reply after = exchange(port, get("/health"), Duration.ofSeconds(10));
        System.out.printf("[reliability 6] after closing the slow sockets: /health -> %d in %d ms%n", after.status(),
                millisSince(t1));
        assertThat(after.status()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- raw HTTP

    /** What came back: the status (-1 for none: timeout or reset), the body, and what went wrong. */
    record Reply(int status, String contentType, String body, String problem) {
        boolean isJson() {
            return contentType != null && contentType.startsWith("application/json");
        }

        @Override
        public String toString() {
            String shown = body.length() > 300 ? body.substring(0, 300) + "..." : body;
            return "status " + status + " (" + contentType + ") " + shown + (problem == null ? "" : " [" + problem + "]");
        }
    }

    private static boolean isJsonError(Reply reply) {
        try {
            return reply.isJson() && JSON.readTree(reply.body()).path("error").path("message").isTextual();
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertJsonError(Reply reply, int status, String message) throws IOException {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.isJson()).as(reply.toString()).isTrue();
        JsonNode error = JSON.readTree(reply.body()).path("error");
        assertThat(error.path("message").asText()).as(reply.toString()).contains(message);
    }

    private static byte[] headers(String method, String path, String... extra) {
        StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n");
        for (String header : extra) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] get(String path) {
        return headers("GET", path);
    }

    private static byte[] post(String path, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return concat(headers("POST", path, "Content-Length: " + bytes.length), bytes);
    }

    private static byte[] chunkedPost(String path, byte[] body) {
        return concat(headers("POST", path, "Transfer-Encoding: chunked"), chunked(body));
    }

    private static byte[] chunked(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + body.length / 8192 * 10 + 16);
        for (int from = 0; from < body.length; from += 8192) {
            int length = Math.min(8192, body.length - from);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, from, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private Socket connect(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        return socket;
    }

    private Reply exchange(int port, byte[] request) throws IOException {
        return exchange(port, request, Duration.ofSeconds(20));
    }

    private Reply exchange(int port, byte[] request, Duration timeout) throws IOException {
        try (Socket socket = connect(port, timeout)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return read(socket);
        }
    }

    /**
     * Sends the body from another thread while reading the answer, as a client that streams a large
     * upload does: the server may answer (413) before the body is all sent, and stop reading it.
     */
    private Reply exchangeWhileSending(int port, byte[] head, byte[] body) throws IOException {
        try (Socket socket = connect(port, Duration.ofSeconds(30))) {
            OutputStream out = socket.getOutputStream();
            out.write(head);
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    // the server stopped reading after it answered: expected for a rejected body
                }
            });
            Reply reply = read(socket);
            sending.cancel(true);
            return reply;
        }
    }

    /** Reads a whole answer (the server closes after it: Connection: close), within the socket's timeout. */
    private static Reply read(Socket socket) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String problem = null;
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                bytes.write(buffer, 0, n);
                if (complete(bytes.toByteArray())) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            problem = "no complete answer within " + soTimeout(socket) + " ms";
        } catch (IOException e) {
            problem = e.toString();
        }
        return parse(bytes.toByteArray(), problem);
    }

    private static int soTimeout(Socket socket) {
        try {
            return socket.getSoTimeout();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Headers and as many body bytes as Content-Length says have arrived. */
    private static boolean complete(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String length = header(text.substring(0, end), "content-length");
        return length != null && raw.length - end - 4 >= Integer.parseInt(length);
    }

    private static Reply parse(byte[] raw, String problem) {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            return new Reply(-1, null, text, problem == null ? "no HTTP answer" : problem);
        }
        String head = text.substring(0, end);
        int status = Integer.parseInt(head.substring(9, 12));
        return new Reply(status, header(head, "content-type"), text.substring(end + 4), problem);
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
