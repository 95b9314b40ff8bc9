package dev.grm4j.voting;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * A raw-socket HTTP/1.1 server on 127.0.0.1 for the transport faults the {@code SimulatedJudgeServer}
 * cannot inject: a response cut off mid-body by a TCP reset, and a body dripped one byte every 200 ms.
 * Requests the plan does not fault are forwarded to an upstream OpenAI-compatible server and its answer is
 * relayed. Every response closes its connection, so one request is one connection.
 */
final class ReliabilityFaultProxy implements AutoCloseable {

    enum Kind { RESET_MID_BODY, SLOW_DRIP }

    private final Kind kind;
    private final LongPredicate faulted;
    private final String upstream;
    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "reliability-fault-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param faulted  given the 0-based request number, whether to fault it
     * @param upstream the base URL ({@code http://127.0.0.1:P/v1}) that answers the others
     */
    ReliabilityFaultProxy(Kind kind, LongPredicate faulted, String upstream) throws IOException {
        this.kind = kind;
        this.faulted = faulted;
        this.upstream = upstream;
        this.socket = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
    }

    long requestCount() {
        return requests.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket connection = socket.accept();
                threads.execute(() -> serve(connection));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection) {
            InputStream in = connection.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            long number = requests.getAndIncrement();
            OutputStream out = connection.getOutputStream();
            if (faulted.test(number)) {
                fault(connection, out);
            } else {
                relay(out, path, body);
            }
        } catch (IOException | RuntimeException e) {
            // The client went away (as it should after a fault): nothing left to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fault(Socket connection, OutputStream out) throws IOException, InterruptedException {
        String body = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"" + "a".repeat(400) + "\"},\"finish_reason\":\"stop\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        if (kind == Kind.RESET_MID_BODY) {
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            connection.setSoLinger(true, 0);   // close() now sends RST instead of FIN
            return;
        }
        out.flush();
        for (int i = 0; i < bytes.length && !closed; i++) {
            out.write(bytes[i]);
            out.flush();
            Thread.sleep(200);
        }
    }

    private void relay(OutputStream out, String path, byte[] body) throws IOException, InterruptedException {
        URI target = URI.create(upstream.substring(0, upstream.length() - "/v1".length()) + path);
        HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(answer.statusCode()).append(" X\r\n");
        answer.headers().firstValue("Content-Type").ifPresent(type -> head.append("Content-Type: ").append(type)
                .append("\r\n"));
        answer.headers().firstValue("Retry-After").ifPresent(after -> head.append("Retry-After: ").append(after)
                .append("\r\n"));
        head.append("Content-Length: ").append(answer.body().length).append("\r\nConnection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(answer.body());
        out.flush();
    }

    /** The request line and headers, up to the blank line; null if the client closed first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        socket.close();
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
