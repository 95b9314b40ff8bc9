package dev.grm4j.core.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.Completion.FinishReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link SimulatedJudge} behind an OpenAI-compatible {@code POST /v1/chat/completions} endpoint on
 * 127.0.0.1, so that real HTTP clients (langchain4j's {@code OpenAiChatModel}, an OpenRLHF pipeline, a
 * load generator) can be tested and benchmarked against it.
 *
 * <pre>{@code
 * try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge)
 *         .capacity(8)
 *         .faults(FaultPlan.firstN(1, Fault.rateLimited(Duration.ofSeconds(1))))
 *         .build()
 *         .start()) {
 *     ChatModel model = OpenAiChatModel.builder().baseUrl(server.baseUrl()).apiKey("any")...build();
 * }
 * }</pre>
 *
 * <p><b>Protocol.</b> The request body is an OpenAI chat completion request: {@code messages} (roles
 * system, developer, user, assistant; content a string or a list of text parts), {@code temperature}
 * (default 1), {@code max_completion_tokens} or {@code max_tokens} (default
 * {@link SamplingOptions#DEFAULT_MAX_OUTPUT_TOKENS}), {@code seed}, {@code stop}. {@code model} is
 * accepted and ignored; the answer names the judge's model. {@code "stream": true} and anything else
 * it cannot honour is answered 400 with an OpenAI-style {@code {"error": {...}}} body.
 *
 * <p><b>Concurrency.</b> Waiting for the judge's latency holds no thread: each answer is sent from the
 * completion of {@link SimulatedJudge#completeAsync}, so thousands of calls may be in flight on a few
 * threads. With {@link Builder#capacity(int)} at most that many calls are answered at once and the
 * rest wait in arrival order, which models a server with that many slots: throughput is capacity
 * divided by latency.
 *
 * <p><b>Latency on Java 17.</b> The JDK's server writes a response's headers and body as two segments;
 * with Nagle's algorithm on, the body waits for the client's delayed acknowledgement, about 40 ms on
 * every call. Applications that measure with it start the JVM with
 * {@code -Dsun.net.httpserver.nodelay=true} (the {@code grm} CLI and this project's tests do); this
 * class leaves JVM-wide settings alone.
 *
 * <p>Prompts are logged at DEBUG level at most. Thread-safe. Close it: the JDK's HTTP server keeps a
 * non-daemon dispatcher thread that would keep the JVM alive.
 */
public final class SimulatedJudgeServer implements AutoCloseable {

    /** The most completions one call may ask for: vLLM has no fixed cap; this keeps a bad n from a test cheap. */
    static final int MAX_N = 128;

    private static final Logger log = LoggerFactory.getLogger(SimulatedJudgeServer.class);

    private static final String PATH = "/v1/chat/completions";
    private static final String MODELS = "/v1/models";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Thousands of clients may connect at once; the OS caps this at its own limit. */
    private static final int BACKLOG = 4096;
    private static final int THREADS = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));

    private final SimulatedJudge judge;
    private final int requestedPort;
    private final Slots slots;
    private final FaultPlan faults;
    private final Meter meter;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong completions = new AtomicLong();
    private final String idPrefix = "chatcmpl-sim" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);

    private final Object lifecycle = new Object();
    private HttpServer server;
    private ExecutorService executor;
    private boolean started;
    private volatile boolean closed;

    private SimulatedJudgeServer(Builder builder) {
        this.judge = builder.judge;
        this.requestedPort = builder.port;
        this.slots = new Slots(builder.capacity);
        this.faults = builder.faults;
        this.meter = builder.meter;
    }

    /**
     * Sees every request the judge answered, with the completions sent back: a cost model (prefix cache,
     * billing) plugs in here. Called from the server's threads, possibly at once: implementations are
     * thread-safe. Requests that got a fault or an error are not answered and not seen.
     */
    @FunctionalInterface
    public interface Meter {
        void answered(CompletionRequest request, List<Completion> completions);
    }

    /**
     * A builder for a server in front of {@code judge}: port 0 (ephemeral), unlimited capacity, no faults.
     *
     * @throws NullPointerException if {@code judge} is null
     */
    public static Builder builder(SimulatedJudge judge) {
        return new Builder(judge);
    }

    /**
     * Starts a server in front of {@code judge} on an ephemeral port with unlimited capacity and no
     * faults.
     *
     * @throws NullPointerException if {@code judge} is null
     * @throws UncheckedIOException if the port cannot be bound
     */
    public static SimulatedJudgeServer start(SimulatedJudge judge) {
        return builder(judge).build().start();
    }

    /**
     * Binds 127.0.0.1 and starts answering.
     *
     * @return this server
     * @throws IllegalStateException if it was started before
     * @throws UncheckedIOException  if the port cannot be bound
     */
    public SimulatedJudgeServer start() {
        synchronized (lifecycle) {
            if (started) {
                throw new IllegalStateException("server was already started" + (closed ? " and closed" : ""));
            }
            started = true;
            try {
                server = HttpServer.create(
                        new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), requestedPort),
                        BACKLOG);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind 127.0.0.1:" + requestedPort, e);
            }
            AtomicInteger threadNumber = new AtomicInteger();
            executor = Executors.newFixedThreadPool(THREADS, task -> {
                Thread thread = new Thread(task, "grm4j-simulated-judge-server-" + threadNumber.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(executor);
            server.createContext("/", this::handle);
            server.start();
            log.info("simulated judge server listening on {} ({}, capacity {})",
                    baseUrl(), judge.modelName(), slots.describe());
            return this;
        }
    }

    /**
     * The OpenAI base URL, {@code "http://127.0.0.1:PORT/v1"}.
     *
     * @throws IllegalStateException if the server is not started
     */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /**
     * The bound port: the one asked for, or the ephemeral one chosen at start.
     *
     * @throws IllegalStateException if the server is not started
     */
    public int port() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("server is not started");
            }
            return server.getAddress().getPort();
        }
    }

    /**
     * How many requests reached {@code /v1/chat/completions} so far: answered, faulted, rejected and
     * still pending alike.
     */
    public long requestCount() {
        return requests.get();
    }

    /**
     * How many completions the judge was asked for so far: a request for {@code n} choices counts
     * {@code n}, one that failed before the judge saw it counts none.
     */
    public long completionCount() {
        return completions.get();
    }

    /**
     * Stops the server, within about a second. Requests still waiting or in flight are dropped (their
     * connections close). Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (server == null) {
                return;
            }
            server.stop(0);
            for (HttpExchange waiting : slots.drain()) {
                waiting.close();
            }
            executor.shutdown();
            try {
                executor.awaitTermination(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor.shutdownNow();
            log.info("simulated judge server on port {} stopped after {} requests",
                    server.getAddress().getPort(), requests.get());
        }
    }

    @Override
    public String toString() {
        synchronized (lifecycle) {
            String where = server == null ? "not started" : baseUrl();
            return "SimulatedJudgeServer[" + where + ", capacity " + slots.describe() + ", " + judge + "]";
        }
    }

    private void handle(HttpExchange exchange) {
        try {
            // The model list, as OpenAI-compatible servers serve it: what a readiness probe asks for.
            if (MODELS.equals(exchange.getRequestURI().getPath()) && "GET".equalsIgnoreCase(exchange.getRequestMethod())) {
                exchange.getRequestBody().readAllBytes();
                com.fasterxml.jackson.databind.node.ObjectNode list = JSON.createObjectNode().put("object", "list");
                list.putArray("data").addObject().put("id", judge.modelName()).put("object", "model");
                sendJson(exchange, 200, list, null);
                return;
            }
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                sendError(exchange, 404, "invalid_request_error", "unknown_url",
                        "unknown path " + exchange.getRequestURI().getPath() + ": only POST " + PATH + " and GET " + MODELS + " are served");
                return;
            }
            if (!"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
                sendError(exchange, 405, "invalid_request_error", "method_not_allowed",
                        "method " + exchange.getRequestMethod() + " is not allowed: use POST");
                return;
            }
            long number = requests.getAndIncrement();
            byte[] body = exchange.getRequestBody().readAllBytes();
            CompletionRequest request;
            try {
                request = parse(body);
            } catch (BadRequest e) {
                log.debug("request {} rejected: {}", number, e.getMessage());
                sendError(exchange, 400, "invalid_request_error", null, e.getMessage());
                return;
            }
            log.debug("request {}: {} messages, {}", number, request.messages().size(), request.sampling());
            Optional<Fault> fault = faults.faultFor(number, request);
            if (fault.isPresent() && fault.get().kind() != Fault.Kind.TRUNCATED) {
                log.debug("request {}: injecting {}", number, fault.get());
                sendFault(exchange, number, fault.get());
                return;
            }
            boolean truncate = fault.isPresent();
            slots.acquire(exchange, () -> answer(exchange, number, request, truncate));
        } catch (IOException | RuntimeException e) {
            log.debug("request failed before it was answered", e);
            sendError(exchange, 500, "server_error", null, "simulated judge server failed: " + e);
        }
    }

    /**
     * Runs while holding a slot; the slot is given back when the judge's answers are ready. A call for n
     * completions is answered as vLLM does: n choices, each its own sample (choice i seeded as
     * {@code Seeds.choice(seed, i)}), the prompt counted once in the usage.
     */
    private void answer(HttpExchange exchange, long number, CompletionRequest request, boolean truncate) {
        completions.addAndGet(request.n());
        List<CompletableFuture<Completion>> choices = choicesOf(request);
        CompletableFuture<List<Completion>> call = CompletableFuture.allOf(choices.toArray(CompletableFuture[]::new))
                .thenApply(done -> choices.stream().map(CompletableFuture::join).toList());
        call.whenComplete((completions, failure) -> slots.release());
        try {
            // Sending is a blocking socket write: keep it off the judge's timer thread.
            call.whenCompleteAsync((completions, failure) ->
                    respond(exchange, number, request, completions, failure, truncate), executor);
        } catch (RejectedExecutionException e) {
            exchange.close();
        }
    }

    private List<CompletableFuture<Completion>> choicesOf(CompletionRequest request) {
        try {
            return judge.completeAllAsync(request);
        } catch (RuntimeException e) {
            return List.of(CompletableFuture.failedFuture(e));
        }
    }

    private void respond(HttpExchange exchange, long number, CompletionRequest request, List<Completion> completions,
                         Throwable failure, boolean truncate) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            log.debug("request {}: judge failed", number, cause);
            if (cause instanceof BackendException backend && !backend.isRetriable()) {
                sendError(exchange, 400, "invalid_request_error", null, cause.getMessage());
            } else {
                sendError(exchange, 500, "server_error", null, "simulated judge failed: " + cause);
            }
            return;
        }
        meter.answered(request, completions);
        ObjectNode root = envelope(number);
        ArrayNode choices = root.putArray("choices");
        long outputTokens = 0;
        for (int i = 0; i < completions.size(); i++) {
            Completion completion = completions.get(i);
            String text = completion.text();
            String finish = completion.finishReason() == FinishReason.LENGTH ? "length" : "stop";
            long tokens = completion.usage().outputTokens();
            if (truncate) {
                int cut = text.length() / 2;
                if (cut > 0 && Character.isHighSurrogate(text.charAt(cut - 1))) {
                    cut--;
                }
                text = text.substring(0, cut);
                finish = "length";
                tokens = (text.length() + 3) / 4;
            }
            outputTokens += tokens;
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            choice.put("finish_reason", finish);
        }
        usage(root, completions.get(0).usage().inputTokens(), outputTokens);
        sendJson(exchange, 200, root, null);
    }

    private void sendFault(HttpExchange exchange, long number, Fault fault) {
        switch (fault.kind()) {
            case STATUS -> {
                int status = fault.statusCode();
                String type = status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
                String code = status == 429 ? "rate_limit_exceeded" : null;
                ObjectNode body = errorBody("simulated fault: status " + status, type, code);
                sendJson(exchange, status, body, fault.retryAfter().orElse(null));
            }
            case NOT_JSON -> send(exchange, 200, "text/html; charset=utf-8",
                    "<html><body><h1>502 Bad Gateway</h1>simulated fault</body></html>"
                            .getBytes(StandardCharsets.UTF_8), null);
            case EMPTY_CHOICES -> {
                ObjectNode root = envelope(number);
                root.putArray("choices");
                usage(root, 0, 0);
                sendJson(exchange, 200, root, null);
            }
            default -> throw new AssertionError(fault);
        }
    }

    private ObjectNode envelope(long number) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", idPrefix + "-" + number);
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", judge.modelName());
        return root;
    }

    private static void usage(ObjectNode root, long inputTokens, long outputTokens) {
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", inputTokens);
        usage.put("completion_tokens", outputTokens);
        usage.put("total_tokens", inputTokens + outputTokens);
    }

    private static ObjectNode errorBody(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return root;
    }

    private static void sendError(HttpExchange exchange, int status, String type, String code, String message) {
        sendJson(exchange, status, errorBody(message, type, code), null);
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body, Duration retryAfter) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
        send(exchange, status, "application/json", bytes, retryAfter);
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body, Duration retryAfter) {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if (retryAfter != null) {
                long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
                exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException e) {
            // The client went away, or the server is closing: nobody is left to tell.
            log.debug("could not send a {} response", status, e);
        }
    }

    private static CompletionRequest parse(byte[] body) throws BadRequest {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("request body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadRequest("request body must be a JSON object");
        }
        if (root.path("stream").asBoolean(false)) {
            throw new BadRequest("streaming is not supported");
        }
        JsonNode messagesNode = root.path("messages");
        if (!messagesNode.isArray() || messagesNode.isEmpty()) {
            throw new BadRequest("messages must be a non-empty array");
        }
        List<Message> messages = new ArrayList<>();
        for (JsonNode node : messagesNode) {
            messages.add(message(node, messages.size()));
        }

        double temperature = 1.0;
        JsonNode temperatureNode = root.path("temperature");
        if (!temperatureNode.isMissingNode() && !temperatureNode.isNull()) {
            if (!temperatureNode.isNumber()) {
                throw new BadRequest("temperature must be a number, was " + temperatureNode);
            }
            temperature = temperatureNode.asDouble();
        }
        int maxTokens = SamplingOptions.DEFAULT_MAX_OUTPUT_TOKENS;
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode node = root.path(field);
            if (!node.isMissingNode() && !node.isNull()) {
                if (!node.canConvertToInt() || !node.isIntegralNumber()) {
                    throw new BadRequest(field + " must be an integer, was " + node);
                }
                maxTokens = node.asInt();
            }
        }
        OptionalLong seed = OptionalLong.empty();
        JsonNode seedNode = root.path("seed");
        if (!seedNode.isMissingNode() && !seedNode.isNull()) {
            if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong()) {
                throw new BadRequest("seed must be an integer, was " + seedNode);
            }
            seed = OptionalLong.of(seedNode.asLong());
        }
        List<String> stop = new ArrayList<>();
        JsonNode stopNode = root.path("stop");
        if (stopNode.isTextual()) {
            stop.add(stopNode.asText());
        } else if (stopNode.isArray()) {
            for (JsonNode element : stopNode) {
                if (!element.isTextual()) {
                    throw new BadRequest("stop must be a string or an array of strings, had " + element);
                }
                stop.add(element.asText());
            }
        } else if (!stopNode.isMissingNode() && !stopNode.isNull()) {
            throw new BadRequest("stop must be a string or an array of strings, was " + stopNode);
        }
        int n = 1;
        JsonNode nNode = root.path("n");
        if (!nNode.isMissingNode() && !nNode.isNull()) {
            if (!nNode.isIntegralNumber() || !nNode.canConvertToInt() || nNode.asInt() < 1 || nNode.asInt() > MAX_N) {
                throw new BadRequest("n must be an integer in 1.." + MAX_N + ", was " + nNode);
            }
            n = nNode.asInt();
        }
        try {
            return new CompletionRequest(messages, new SamplingOptions(temperature, maxTokens, seed, stop),
                    Optional.empty(), n);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static Message message(JsonNode node, int index) throws BadRequest {
        if (!node.isObject()) {
            throw new BadRequest("messages[" + index + "] must be an object");
        }
        String role = node.path("role").asText("");
        Message.Role parsedRole = switch (role) {
            case "system", "developer" -> Message.Role.SYSTEM;
            case "user" -> Message.Role.USER;
            case "assistant" -> Message.Role.ASSISTANT;
            default -> throw new BadRequest("messages[" + index + "] has unsupported role \"" + role
                    + "\": use system, developer, user or assistant");
        };
        JsonNode content = node.path("content");
        String text;
        if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (JsonNode part : content) {
                String type = part.path("type").asText("");
                if (!"text".equals(type) || !part.path("text").isTextual()) {
                    throw new BadRequest("messages[" + index + "] has a content part of unsupported type \""
                            + type + "\": only text parts are supported");
                }
                joined.append(part.path("text").asText());
            }
            text = joined.toString();
        } else if ((content.isMissingNode() || content.isNull()) && parsedRole == Message.Role.ASSISTANT) {
            text = "";
        } else {
            throw new BadRequest("messages[" + index + "] content must be a string or an array of text parts");
        }
        return new Message(parsedRole, text);
    }

    /** A request the server cannot honour: answered 400 with this message. */
    private static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * At most {@code capacity} calls are answered at once; the rest wait in arrival order. Nothing
     * blocks: a waiting call is a queued task that the slot's release starts.
     */
    private final class Slots {
        private final int capacity;
        private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
        private int inUse;

        Slots(int capacity) {
            this.capacity = capacity;
        }

        void acquire(HttpExchange exchange, Runnable task) {
            if (capacity == Integer.MAX_VALUE) {
                task.run();
                return;
            }
            synchronized (this) {
                if (inUse >= capacity) {
                    queue.addLast(new Waiting(exchange, task));
                    return;
                }
                inUse++;
            }
            task.run();
        }

        void release() {
            if (capacity == Integer.MAX_VALUE) {
                return;
            }
            Waiting next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    inUse--;
                    return;
                }
            }
            // The slot passes straight to the next caller; start it off the judge's timer thread.
            try {
                executor.execute(next.task());
            } catch (RejectedExecutionException e) {
                next.exchange().close();
            }
        }

        synchronized List<HttpExchange> drain() {
            List<HttpExchange> drained = new ArrayList<>();
            for (Waiting waiting : queue) {
                drained.add(waiting.exchange());
            }
            queue.clear();
            return drained;
        }

        String describe() {
            return capacity == Integer.MAX_VALUE ? "unlimited" : Integer.toString(capacity);
        }
    }

    private record Waiting(HttpExchange exchange, Runnable task) {
    }

    /** Configures a {@link SimulatedJudgeServer}. Not thread-safe; the server it builds is. */
    public static final class Builder {

        private final SimulatedJudge judge;
        private int port = 0;
        private int capacity = Integer.MAX_VALUE;
        private FaultPlan faults = FaultPlan.none();
        private Meter meter = (request, completions) -> { };

        private Builder(SimulatedJudge judge) {
            this.judge = Objects.requireNonNull(judge, "judge");
        }

        /**
         * The port to bind on 127.0.0.1; 0 (the default) picks a free ephemeral port.
         *
         * @throws IllegalArgumentException if {@code port} is not in 0..65535
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * How many calls the server answers at once; excess requests wait in arrival order and are never
         * rejected. Default unlimited.
         *
         * @throws IllegalArgumentException if {@code capacity} is less than 1
         */
        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Which requests get a fault instead of an answer. Default {@link FaultPlan#none()}.
         *
         * @throws NullPointerException if {@code faults} is null
         */
        public Builder faults(FaultPlan faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /**
         * Who sees each answered request; none by default.
         *
         * @throws NullPointerException if {@code meter} is null
         */
        public Builder meter(Meter meter) {
            this.meter = Objects.requireNonNull(meter, "meter");
            return this;
        }

        /** A server with these settings, not yet started; see {@link SimulatedJudgeServer#start()}. */
        public SimulatedJudgeServer build() {
            return new SimulatedJudgeServer(this);
        }
    }
}
