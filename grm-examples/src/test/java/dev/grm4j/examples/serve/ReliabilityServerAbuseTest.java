package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
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
 * over the limit, broken JSON, wrong types and unknown fields, bodies that lie about their length or
 * break the chunked encoding, malformed HTTP, 1000 connections at once, and 1000 clients that drip their
 * headers a byte a second. Every abusive request must get a 4xx or 503 with a JSON error (or, for a
 * broken body, a closed connection) within a second, and the server must keep answering everyone
 * else. Raw sockets, so the test sees exactly what goes over the wire and every read has a deadline:
 * nothing can hang. Figures are printed with the prefix {@code [reliability 6]}.
 */
class ReliabilityServerAbuseTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCORE = "{\"query\": \"q\", \"responses\": [\"one two\", \"three\"]}";
    private static final String GET_REWARD = "{\"query\": [\"<|im_start|>user\\nName two colours.<|im_end|>\\n"
            + "<|im_start|>assistant\\nred blue<|im_end|>\"], \"prompts\": [\"<|im_start|>user\\nName two colours."
            + "<|im_end|>\\n<|im_start|>assistant\\n\"], \"labels\": [\"\"]}";

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
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(RewardServerTest.wordCountJudge(latency)).build())
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
                "{\"query\": [\"a\"], \"labels\": [true]}", "labels[0] must be a string or a number",
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

    // ---------------------------------------------------------------- slow clients

    /**
     * 1000 clients that drip their request headers one byte a second and never finish. With the JDK
     * server each held a thread, and 300 of them stalled {@code /health} for good; on Jetty they hold a
     * buffer each. While they drip, {@code /health} must answer within 100 ms, every time, and
     * {@code /get_reward} in about its time without them.
     */
    @Test
    @Timeout(60)
    void a_thousand_clients_dripping_headers_do_not_slow_health_or_rewards() throws Exception {
        int port = start(builder(Duration.ofMillis(20)));
        byte[] reward = post("/get_reward", GET_REWARD);
        List<Long> alone = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            alone.add(timed(() -> assertThat(exchange(port, reward).status()).isEqualTo(200)));
        }
        int slow = 1000;
        List<Socket> dripping = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < slow; i++) {
            Socket socket = connect(port, Duration.ofSeconds(5));
            socket.getOutputStream().write("POST /get_reward HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                    .getBytes(StandardCharsets.US_ASCII));
            dripping.add(socket);
        }
        long openedMs = millisSince(t0);
        java.util.Set<Socket> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // A byte a second on each socket, a tenth of them every 100 ms: 1000 writes at once would
        // overflow the kernel's loopback backlog (net.core.netdev_max_backlog, 1000 by default) and
        // drop packets, the test's own and /health's alike.
        Thread drip = new Thread(() -> {
            for (int slice = 0; !Thread.currentThread().isInterrupted(); slice = (slice + 1) % 10) {
                for (int i = slice; i < dripping.size(); i += 10) {
                    try {
                        dripping.get(i).getOutputStream().write('a');
                    } catch (IOException e) {
                        refused.add(dripping.get(i));
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "dripper");
        drip.setDaemon(true);
        drip.start();
        List<Long> health = new ArrayList<>();
        List<Long> rewards = new ArrayList<>();
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            for (int round = 0; System.nanoTime() < until; round++) {
                health.add(timed(() -> assertThat(exchange(port, get("/health"), Duration.ofSeconds(5)).status())
                        .isEqualTo(200)));
                if (round % 10 == 5) {
                    rewards.add(timed(() -> assertThat(exchange(port, reward, Duration.ofSeconds(5)).status())
                            .isEqualTo(200)));
                }
                Thread.sleep(100);
            }
        } finally {
            drip.interrupt();
            drip.join(5_000);
        }
        int stillOpen = slow - refused.size();
        dripping.forEach(ReliabilityServerAbuseTest::closeQuietly);
        long healthMax = health.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf("[reliability 6] %d clients dripping a header byte a second (opened in %d ms, %d still"
                        + " open after 8 s): /health max %d ms, median %d ms over %d calls; /get_reward max %d ms,"
                        + " median %d ms over %d calls (alone: max %d ms, median %d ms)%n",
                slow, openedMs, stillOpen, healthMax, median(health), health.size(),
                rewards.stream().mapToLong(Long::longValue).max().orElseThrow(), median(rewards), rewards.size(),
                alone.stream().mapToLong(Long::longValue).max().orElseThrow(), median(alone));

        assertThat(stillOpen).as("drippers the server still held: each must cost it nothing").isEqualTo(slow);
        assertThat(healthMax).as("slowest /health while %d clients drip: %s", slow, health).isLessThan(100);
        assertThat(median(rewards)).as("/get_reward while they drip: %s, alone: %s", rewards, alone)
                .isLessThanOrEqualTo(median(alone) + 50);
    }

    @Test
    @Timeout(30)
    void a_request_whose_headers_are_not_in_by_the_read_timeout_loses_its_connection() throws Exception {
        int port = start(builder(Duration.ZERO).readTimeout(Duration.ofSeconds(1)));
        List<Socket> dripping = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Socket socket = connect(port, Duration.ofSeconds(10));
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: a"
                    .getBytes(StandardCharsets.US_ASCII));
            dripping.add(socket);
        }
        Socket idle = connect(port, Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        long[] closedAt = new long[dripping.size()];
        int closed = 0;
        while (closed < dripping.size() && millisSince(t0) < 5_000) {
            for (int i = 0; i < dripping.size(); i++) {
                if (closedAt[i] == 0) {
                    try {
                        dripping.get(i).getOutputStream().write('a');
                    } catch (IOException e) {
                        closedAt[i] = millisSince(t0);
                        closed++;
                    }
                }
            }
            Thread.sleep(50);
        }
        long last = java.util.Arrays.stream(closedAt).max().orElseThrow();
        System.out.printf("[reliability 6] read timeout 1 s: %d of %d header drippers closed, the last after %d ms%n",
                closed, dripping.size(), last);

        assertThat(closed).isEqualTo(dripping.size());
        assertThat(last).isBetween(900L, 2_500L);
        idle.getOutputStream().write(get("/health"));
        assertThat(read(idle).status()).as("a silent connection is not a slow request").isEqualTo(200);
    }

    /**
     * Bodies that lie about their length, break the chunked encoding or announce giant chunks: each
     * must get a 4xx JSON error or a closed connection within 1 s; never a 500, never a hang.
     */
    @Test
    @Timeout(60)
    void a_broken_body_gets_400_or_a_closed_connection_within_a_second() throws Exception {
        int port = start(builder(Duration.ZERO).maxBodyBytes(100_000));
        String json = "{\"query\": \"q\", \"responses\": [\"a b\"]}";
        Map<String, BrokenBody> cases = new java.util.LinkedHashMap<>();
        cases.put("Content-Length 100, 40 bytes, then FIN",
                new BrokenBody(headers("POST", "/v1/score", "Content-Length: 100"), json, true));
        cases.put("Content-Length 100, 40 bytes, then silence",
                new BrokenBody(headers("POST", "/v1/score", "Content-Length: 100"), json, false));
        cases.put("chunk size not hex", new BrokenBody(headers("POST", "/v1/score", "Transfer-Encoding: chunked"),
                "zz\r\n" + json + "\r\n0\r\n\r\n", false));
        cases.put("chunk longer than its size", new BrokenBody(headers("POST", "/v1/score",
                "Transfer-Encoding: chunked"), "4\r\n" + json + "\r\n0\r\n\r\n", false));
        cases.put("chunk size of 2^64", new BrokenBody(headers("POST", "/v1/score", "Transfer-Encoding: chunked"),
                "10000000000000000\r\n" + json, false));
        cases.put("chunk of 2 GB announced, 40 bytes sent", new BrokenBody(headers("POST", "/v1/score",
                "Transfer-Encoding: chunked"), "7fffffff\r\n" + json, false));
        cases.put("chunk of 1 MB over a 100 kB limit", new BrokenBody(headers("POST", "/v1/score",
                "Transfer-Encoding: chunked"), "100000\r\n" + "x".repeat(200_000), false));
        cases.put("chunked body cut before its last chunk, then FIN", new BrokenBody(headers("POST", "/v1/score",
                "Transfer-Encoding: chunked"), Integer.toHexString(json.length()) + "\r\n" + json + "\r\n", true));
        cases.put("chunk extension garbage", new BrokenBody(headers("POST", "/v1/score", "Transfer-Encoding: chunked"),
                "5;\u0001\u0002\r\nhello\r\n0\r\n\r\n", false));
        cases.put("Content-Length and chunked", new BrokenBody(headers("POST", "/v1/score", "Content-Length: 5",
                "Transfer-Encoding: chunked"), "5\r\nhello\r\n0\r\n\r\n", false));
        cases.put("two Content-Lengths", new BrokenBody(headers("POST", "/v1/score", "Content-Length: 5",
                "Content-Length: 40"), json, false));
        cases.put("negative Content-Length", new BrokenBody(headers("POST", "/v1/score", "Content-Length: -40"),
                json, false));
        cases.put("Content-Length not a number", new BrokenBody(headers("POST", "/v1/score",
                "Content-Length: forty"), json, false));
        cases.put("Content-Length of 2^63", new BrokenBody(headers("POST", "/v1/score",
                "Content-Length: 9223372036854775808"), json, false));

        assertThat(exchange(port, get("/health")).status()).as("warm-up").isEqualTo(200);
        List<String> rows = new ArrayList<>();
        long slowest = 0;
        for (Map.Entry<String, BrokenBody> entry : cases.entrySet()) {
            BrokenBody body = entry.getValue();
            long t0 = System.nanoTime();
            Reply reply;
            try (Socket socket = connect(port, Duration.ofSeconds(3))) {
                socket.getOutputStream().write(body.head());
                socket.getOutputStream().write(body.body().getBytes(StandardCharsets.ISO_8859_1));
                if (body.finish()) {
                    socket.shutdownOutput();
                }
                reply = read(socket);
            }
            long ms = millisSince(t0);
            slowest = Math.max(slowest, ms);
            rows.add(entry.getKey() + " -> " + (reply.status() < 0 ? "closed" : reply.status()) + " in " + ms + " ms"
                    + (reply.status() > 0 ? ": " + reply.body() : ""));
            assertThat(ms).as("%s: %s", entry.getKey(), reply).isLessThan(1_000);
            if (reply.status() < 0) {
                assertThat(reply.problem()).as("%s: closed, not timed out", entry.getKey())
                        .doesNotContain("no complete answer");
            } else {
                assertThat(reply.status()).as("%s: %s", entry.getKey(), reply).isBetween(400, 499);
                assertThat(isJsonError(reply)).as("%s: %s", entry.getKey(), reply).isTrue();
            }
        }
        System.out.printf("[reliability 6] %d broken bodies, slowest answer %d ms:%n  %s%n", cases.size(), slowest,
                String.join("\n  ", rows));
        assertThat(exchange(port, get("/health")).status()).isEqualTo(200);
    }

    /** A request head, the bytes after it, and whether the client then half-closes. */
    private record BrokenBody(byte[] head, String body, boolean finish) {
    }

    @Test
    @Timeout(30)
    void every_error_the_http_layer_makes_is_json_too() throws Exception {
        int port = start(builder(Duration.ZERO));
        Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
        cases.put("unknown path", get("/nowhere"));
        cases.put("path with a trailing slash", get("/health/"));
        cases.put("GET on a POST endpoint", get("/get_reward"));
        cases.put("POST on a GET endpoint", post("/health", "{}"));
        cases.put("PUT", headers("PUT", "/v1/score", "Content-Length: 0"));
        cases.put("unknown method", headers("BREW", "/health"));
        cases.put("garbage request line", "GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        cases.put("HTTP/1.1 without Host", "GET /health HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        cases.put("bad header line", "GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        cases.put("64 kB header", headers("GET", "/health", "X-Big: " + "a".repeat(64 * 1024)));
        cases.put("16 kB path", get("/" + "p".repeat(16 * 1024)));
        cases.put("bad percent-encoding", get("/health%zz"));
        cases.put("HTTP/2.0 request line", "GET /health HTTP/2.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        cases.put("Accept: text/html", headers("GET", "/nowhere", "Accept: text/html"));

        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : cases.entrySet()) {
            Reply reply = exchange(port, entry.getValue(), Duration.ofSeconds(5));
            rows.add(entry.getKey() + " -> " + reply.status() + " " + reply.body());
            assertThat(reply.status()).as("%s: %s", entry.getKey(), reply).isBetween(400, 499);
            assertThat(isJsonError(reply)).as("%s: %s", entry.getKey(), reply).isTrue();
            assertThat(JSON.readTree(reply.body()).path("error").path("type").asText()).isEqualTo("invalid_request");
        }
        System.out.printf("[reliability 6] %d HTTP-level errors, all JSON:%n  %s%n", cases.size(),
                String.join("\n  ", rows));
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

    /** Runs {@code call} and returns how long it took, in milliseconds. */
    private static long timed(ThrowingRunnable call) throws Exception {
        long t0 = System.nanoTime();
        call.run();
        return millisSince(t0);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
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
