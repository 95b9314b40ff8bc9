package dev.grm4j.core.backend;

import dev.grm4j.core.Ticker;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * An {@link LlmBackend} for servers that speak OpenAI's chat completions API: vLLM, SGLang, the llama.cpp
 * server, OpenAI itself. Calls do not hold threads while they wait, so one JVM can keep thousands in
 * flight, and failures carry the HTTP status and the server's {@code Retry-After}.
 * <pre>{@code
 * LlmBackend backend = OpenAiCompatibleBackend.builder()
 *         .baseUrls(List.of("http://gpu-1:8000/v1", "http://gpu-2:8000/v1"))
 *         .modelName("deepseek-grm-27b")
 *         .extraBody(Map.of("top_k", 20))
 *         .build();
 * }</pre>
 *
 * <p><b>Request.</b> {@code POST {baseUrl}/chat/completions} with {@code model}, {@code messages},
 * {@code temperature}, {@code max_tokens}, {@code seed} (when the sampling options have one),
 * {@code stop} (when not empty), then the {@link Builder#extraBody(Map) extra fields}. The answer is
 * {@code choices[0].message.content}; a separately reported {@code reasoning_content} is never mixed in.
 *
 * <p><b>Failures</b> complete the future with a {@link BackendException}. Retriable: HTTP 408, 429 and
 * 5xx (with {@link BackendException#retryAfter()} from {@code Retry-After}), connection errors, timeouts,
 * and a 200 whose body is not a chat completion. Not retriable: other 4xx and 3xx. A connection the
 * network refused (refused, unknown host, no route) is a {@link BackendConnectException}. Every message
 * names its cause: {@code "could not connect to http://127.0.0.1:9/v1/chat/completions: connection
 * refused"}, {@code "HTTP 401 from http://...: <the server's own error message>"}. This backend never
 * retries by itself: retries belong to the caller, which knows its budget.
 *
 * <p><b>The API key</b> appears in no message, log or {@code toString()}, and is replaced by {@code ***}
 * in the answers' text too: a judge that repeats its request would otherwise copy the key into
 * critiques, records and training data.
 *
 * <p><b>Several servers.</b> With {@link Builder#baseUrls(List)} each call goes to the server with the
 * fewest calls in flight. A server whose last {@link Builder#failuresBeforeCooldown(int)} calls all got no
 * usable answer (connection error, timeout, 5xx, garbage; not 429 or other 4xx) is set aside for the
 * {@link Builder#cooldown(Duration) cooldown}, then gets one probe call; its first answered call brings it
 * back. When every server is set aside, calls go to the one whose cooldown ends first.
 *
 * <p><b>Threads.</b> Thread-safe. Waiting holds no thread: the JDK's {@link HttpClient} multiplexes the
 * connections on its selector thread, and timeouts run on one shared daemon timer thread. The future
 * completes where the JDK client completes its own futures: the common {@code ForkJoinPool}, so keep
 * dependent stages short or give them an executor. On JDK 17 with a common pool of parallelism 1 (two
 * CPUs or fewer), the JDK client runs each completion on a new short-lived thread instead; start the JVM
 * with {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2} to avoid that cost.
 */
public final class OpenAiCompatibleBackend implements LlmBackend {

    private final String modelName;
    private final List<String> baseUrls;
    private final String apiKey;
    private final String authorization;
    private final Duration callTimeout;
    private final Duration connectTimeout;
    private final long callTimeoutNanos;
    private final Map<String, String> extraBody;
    private final HttpClient http;
    private final EndpointPool pool;
    private final boolean nativeN;
    private final @Nullable String affinityField;
    private final @Nullable String affinityHeader;

    private OpenAiCompatibleBackend(Settings settings) {
        this.modelName = settings.modelName();
        this.baseUrls = settings.baseUrls();
        this.apiKey = settings.apiKey();
        this.authorization = settings.apiKey() == null ? null : "Bearer " + settings.apiKey();
        this.callTimeout = settings.callTimeout();
        this.callTimeoutNanos = settings.callTimeout().toNanos();
        this.extraBody = settings.extraBody();
        this.http = settings.httpClient() != null ? settings.httpClient() : defaultClient(settings.connectTimeout());
        this.connectTimeout = http.connectTimeout().orElse(null);
        this.pool = new EndpointPool(settings.baseUrls(), settings.cooldown().toNanos(),
                settings.failuresBeforeCooldown(), settings.ticker());
        this.nativeN = settings.nativeN();
        this.affinityField = settings.affinityField();
        this.affinityHeader = settings.affinityHeader();
    }

    /**
     * What {@link Builder#build()} hands over: a copy of its settings, so that the backend never reads
     * the builder, which its caller may go on changing.
     *
     * @param apiKey     null without one
     * @param httpClient null for the default client
     * @param affinityField null to send no affinity key in the body
     * @param affinityHeader null to send none as a header
     */
    private record Settings(String modelName, List<String> baseUrls, @Nullable String apiKey, Duration callTimeout,
                            Duration connectTimeout, @Nullable HttpClient httpClient, Duration cooldown,
                            int failuresBeforeCooldown, Map<String, String> extraBody, Ticker ticker,
                            boolean nativeN, @Nullable String affinityField, @Nullable String affinityHeader) {
    }

    /** A builder; {@link Builder#baseUrl(String)} and {@link Builder#modelName(String)} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Sends the call and returns at once. The future completes with the answer, or exceptionally with a
     * {@link BackendException} (see the class comment for which are retriable), within about the call
     * timeout. Cancelling it, or completing it yourself (as {@code orTimeout} does), aborts the HTTP
     * exchange and closes its connection.
     *
     * @throws NullPointerException if {@code request} is null
     */
    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        Call call = send(request.withN(1));
        CompletableFuture<Completion> one = call.thenApply(choices -> choices.get(0));
        cancelsWith(one, call, new AtomicInteger(1));
        return one;
    }

    /**
     * One call with the server's {@code n} (vLLM and SGLang prefill the prompt once for all n; OpenAI
     * bills it once): n futures that complete together, from one answer of n choices. Settling every one
     * of them first (cancel, timeout) aborts the call.
     */
    @Override
    public List<CompletableFuture<Completion>> completeAllAsync(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        if (!nativeN || request.n() == 1) {
            return LlmBackend.super.completeAllAsync(request);
        }
        Call call = send(request);
        AtomicInteger live = new AtomicInteger(request.n());
        List<CompletableFuture<Completion>> choices = new ArrayList<>(request.n());
        for (int i = 0; i < request.n(); i++) {
            int index = i;
            CompletableFuture<Completion> choice = call.thenApply(answers -> answers.get(index));
            cancelsWith(choice, call, live);
            choices.add(choice);
        }
        return choices;
    }

    /** Whether calls for n completions send the server's {@code n}; true unless turned off in the builder. */
    @Override
    public boolean samplesInOneCall() {
        return nativeN;
    }

    private Call send(CompletionRequest request) {
        if (request.n() > 1 && !nativeN) {
            throw new IllegalStateException("n > 1 with nativeN off: use the default completeAllAsync");
        }
        byte[] body = OpenAiProtocol.requestBody(modelName, request, extraBody, affinityField);
        EndpointPool.Endpoint endpoint = pool.acquire();
        HttpRequest.Builder httpRequest = HttpRequest.newBuilder(endpoint.uri)
                .timeout(callTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            httpRequest.header("Authorization", authorization);
        }
        if (affinityHeader != null && request.affinity().isPresent()) {
            httpRequest.header(affinityHeader, request.affinity().get());
        }
        Call call = new Call(this, endpoint, request.n());
        call.start(httpRequest.build());
        return call;
    }

    /**
     * When every one of a call's futures was settled by someone else (cancelled, or completed as
     * {@code orTimeout} does) before the call answered, the call is cancelled, aborting its exchange.
     */
    private static void cancelsWith(CompletableFuture<Completion> choice, Call call, AtomicInteger live) {
        choice.whenComplete((ignored, error) -> {
            if (!call.isDone() && live.decrementAndGet() == 0) {
                call.cancel(true);
            }
        });
    }

    /**
     * {@code GET {baseUrl}/models} on every server, which OpenAI, vLLM, SGLang, llama-server and
     * Ollama all serve without running the model: ready when any server answers 2xx. No tokens are
     * spent, and a busy judge answers it at once. Fails with each server's reason otherwise (refused,
     * timed out, HTTP 401 for a wrong key, ...).
     */
    @Override
    public CompletableFuture<Void> probeAsync() {
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String baseUrl : baseUrls) {
            HttpRequest.Builder probe = HttpRequest.newBuilder(URI.create(baseUrl + "/models"))
                    .timeout(callTimeout).header("Accept", "application/json").GET();
            if (authorization != null) {
                probe.header("Authorization", authorization);
            }
            answers.add(http.sendAsync(probe.build(), HttpResponse.BodyHandlers.discarding()).handle((answer, failure) -> {
                if (failure != null) {
                    return baseUrl + ": " + (Failures.isConnectFailure(failure)
                            ? Failures.connectProblem(failure, URI.create(baseUrl).getHost()) : Failures.describe(failure));
                }
                return answer.statusCode() / 100 == 2 ? null : baseUrl + "/models: HTTP " + answer.statusCode();
            }));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<String> problems = answers.stream().map(CompletableFuture::join).toList();
            if (problems.stream().anyMatch(Objects::isNull)) {
                return null;
            }
            throw new BackendException(String.join("; ", problems), null, true, OptionalInt.empty(),
                    Optional.empty());
        });
    }

    /** The model name sent with every call. */
    @Override
    public String modelName() {
        return modelName;
    }

    /**
     * A snapshot of each server's counters, in configuration order, for metrics. Cheap; thread-safe.
     *
     * @return an immutable list with one status per base URL
     */
    public List<EndpointStatus> endpoints() {
        return pool.snapshot();
    }

    /** The model and base URLs; never the API key. */
    @Override
    public String toString() {
        return "OpenAiCompatibleBackend[model=" + modelName + ", baseUrls=" + baseUrls + "]";
    }

    private static HttpClient defaultClient(Duration connectTimeout) {
        // The JDK client's own default executor is unbounded. Its tasks are short and never block (no
        // caller code runs there: the JDK hands completions to another pool), so one thread per CPU does.
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads("grm4j-openai-http-"));
        executor.allowCoreThreadTimeOut(true);
        // HTTP/1.1: inference servers speak it everywhere, and h2c upgrade attempts confuse some of them.
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .executor(executor)
                .build();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * One server of the pool as of {@link #endpoints()}.
     *
     * @param baseUrl     the base URL as configured, without a trailing slash
     * @param inFlight    calls sent to it and not yet completed, >= 0
     * @param calls       calls sent to it since the backend was built
     * @param failures    of those, calls that failed (cancelled calls are not counted)
     * @param coolingDown whether it is set aside: in its cooldown, or past it and not yet answered since
     */
    public record EndpointStatus(String baseUrl, int inFlight, long calls, long failures, boolean coolingDown) {

        public EndpointStatus {
            Objects.requireNonNull(baseUrl, "baseUrl");
        }
    }

    /**
     * The future of one call. Whichever comes first (the answer, the deadline, a cancel) settles it, and
     * only that one gives the endpoint back to the pool.
     */
    private static final class Call extends CompletableFuture<List<Completion>> {

        private static final AtomicIntegerFieldUpdater<Call> SETTLED =
                AtomicIntegerFieldUpdater.newUpdater(Call.class, "settled");

        private final OpenAiCompatibleBackend backend;
        private final EndpointPool.Endpoint endpoint;
        private final int choices;
        private volatile int settled;
        private volatile boolean timedOut;
        private volatile ScheduledFuture<?> deadline;
        private volatile CompletableFuture<HttpResponse<byte[]>> exchange;

        Call(OpenAiCompatibleBackend backend, EndpointPool.Endpoint endpoint, int choices) {
            this.backend = backend;
            this.endpoint = endpoint;
            this.choices = choices;
        }

        void start(HttpRequest request) {
            // The JDK's request timeout stops counting once the headers arrive; this one also covers a
            // body that stalls, which would otherwise hang the call forever.
            deadline = Deadlines.TIMER.schedule(this::timeOut, backend.callTimeoutNanos, TimeUnit.NANOSECONDS);
            CompletableFuture<HttpResponse<byte[]>> sent;
            try {
                sent = backend.http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (RuntimeException e) {
                settle(null, new BackendException("call to " + endpoint.uri + " could not be sent: " + Failures.describe(e),
                        e, false, OptionalInt.empty(), Optional.empty()), EndpointPool.Result.ABANDONED);
                return;
            }
            exchange = sent;
            // Cancelled or timed out while sending: those saw no exchange to abort.
            if (settled != 0 || timedOut) {
                sent.cancel(true);
            }
            sent.whenComplete(this::onExchange);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            abandon();
            return super.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean complete(List<Completion> value) {
            abandon();
            return super.complete(value);
        }

        @Override
        public boolean completeExceptionally(Throwable failure) {
            abandon();
            return super.completeExceptionally(failure);
        }

        private void onExchange(HttpResponse<byte[]> response, Throwable failure) {
            if (settled != 0) {
                return;
            }
            try {
                read(response, failure);
            } catch (RuntimeException e) {
                // The JDK drops exceptions thrown here: without this the call would never complete.
                settle(null, new BackendException("could not read the answer from " + endpoint.uri + ": "
                        + Failures.describe(e), e,
                        false, OptionalInt.empty(), Optional.empty()), EndpointPool.Result.FAILED);
            }
        }

        private void read(HttpResponse<byte[]> response, Throwable failure) {
            String url = endpoint.uri.toString();
            if (failure != null) {
                Throwable cause = timedOut ? new HttpTimeoutException("request timed out") : failure;
                settle(null, OpenAiProtocol.transportError(url, cause, backend.callTimeout, backend.connectTimeout),
                        EndpointPool.Result.FAILED);
                return;
            }
            int status = response.statusCode();
            if (status < 200 || status > 299) {
                settle(null, OpenAiProtocol.httpError(url, status, response.headers(), response.body(),
                        backend.apiKey, Instant.now()),
                        status >= 500 ? EndpointPool.Result.FAILED : EndpointPool.Result.REJECTED);
                return;
            }
            List<Completion> completion;
            try {
                completion = OpenAiProtocol.completions(url, status, response.body(), backend.apiKey, choices);
            } catch (BackendException e) {
                settle(null, e, EndpointPool.Result.FAILED);
                return;
            }
            settle(completion, null, EndpointPool.Result.SUCCESS);
        }

        /** Runs on the timer thread: only aborts, so the failure is reported where answers are. */
        private void timeOut() {
            timedOut = true;
            CompletableFuture<HttpResponse<byte[]>> sent = exchange;
            if (sent != null) {
                sent.cancel(true);
            }
        }

        private void settle(@Nullable List<Completion> completion, @Nullable BackendException failure,
                            EndpointPool.Result result) {
            if (!SETTLED.compareAndSet(this, 0, 1)) {
                return;
            }
            // Give the endpoint back first, so that whoever sees the future done sees the pool updated.
            finish(result);
            if (failure == null) {
                super.complete(completion);
            } else {
                super.completeExceptionally(failure);
            }
        }

        private void abandon() {
            if (SETTLED.compareAndSet(this, 0, 1)) {
                finish(EndpointPool.Result.ABANDONED);
                CompletableFuture<HttpResponse<byte[]>> sent = exchange;
                if (sent != null) {
                    sent.cancel(true);
                }
            }
        }

        private void finish(EndpointPool.Result result) {
            ScheduledFuture<?> timer = deadline;
            if (timer != null) {
                timer.cancel(false);
            }
            backend.pool.release(endpoint, result);
        }
    }

    /** One daemon timer thread for the deadlines of every backend in the JVM. */
    private static final class Deadlines {
        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemonThreads("grm4j-openai-deadlines-"));
            // Answered calls must not stay queued, holding their memory, until their deadline.
            timer.setRemoveOnCancelPolicy(true);
            timer.setKeepAliveTime(30, TimeUnit.SECONDS);
            timer.allowCoreThreadTimeOut(true);
            return timer;
        }
    }

    /**
     * Configures an {@link OpenAiCompatibleBackend}. Each setter checks its argument at once; {@link #build()}
     * checks what is required. Not thread-safe; the backend it builds is.
     */
    public static final class Builder {

        private List<String> baseUrls;
        private String modelName;
        private String apiKey;
        private Duration callTimeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private boolean connectTimeoutSet;
        private HttpClient httpClient;
        private Duration cooldown = Duration.ofSeconds(30);
        private int failuresBeforeCooldown = 3;
        private Map<String, String> extraBody = Map.of();
        private Ticker ticker = Ticker.system();
        private boolean nativeN = true;
        private @Nullable String affinityField = "user";
        private @Nullable String affinityHeader;

        private Builder() {
        }

        /**
         * The one server to call, like {@code "http://127.0.0.1:8000/v1"}; {@code /chat/completions} is
         * appended. Replaces any earlier {@code baseUrl} or {@code baseUrls}.
         *
         * @throws IllegalArgumentException if it is not an absolute http(s) URL, or has credentials, a query
         *                                  or a fragment
         * @throws NullPointerException     if {@code baseUrl} is null
         */
        public Builder baseUrl(String baseUrl) {
            return baseUrls(List.of(Objects.requireNonNull(baseUrl, "baseUrl")));
        }

        /**
         * Several servers of the same model (a vLLM fleet), each checked like {@link #baseUrl(String)}; calls
         * go to the one with the fewest in flight. Replaces any earlier {@code baseUrl} or {@code baseUrls}.
         *
         * @throws IllegalArgumentException if the list is empty, has a duplicate or a bad URL
         * @throws NullPointerException     if the list or an element is null
         */
        public Builder baseUrls(List<String> baseUrls) {
            Objects.requireNonNull(baseUrls, "baseUrls");
            if (baseUrls.isEmpty()) {
                throw new IllegalArgumentException("baseUrls must have at least one URL, was []");
            }
            List<String> checked = new ArrayList<>(baseUrls.size());
            for (String baseUrl : baseUrls) {
                String url = checkBaseUrl(Objects.requireNonNull(baseUrl, "baseUrls element"));
                if (checked.contains(url)) {
                    throw new IllegalArgumentException("baseUrls must not repeat a URL, had " + url + " twice");
                }
                checked.add(url);
            }
            this.baseUrls = List.copyOf(checked);
            return this;
        }

        /**
         * The model to ask for, as the server names it (vLLM: the served model name). Required.
         *
         * @throws IllegalArgumentException if it is blank
         * @throws NullPointerException     if {@code modelName} is null
         */
        public Builder modelName(String modelName) {
            Objects.requireNonNull(modelName, "modelName");
            if (modelName.isBlank()) {
                throw new IllegalArgumentException("modelName must not be blank, was '" + modelName + "'");
            }
            this.modelName = modelName;
            return this;
        }

        /**
         * The key sent as {@code Authorization: Bearer <key>}; none by default (local servers need none).
         * It is never shown in messages, logs or {@code toString()}.
         *
         * @throws IllegalArgumentException if it is blank or has whitespace or control characters (the
         *                                  message does not show the key)
         * @throws NullPointerException     if {@code apiKey} is null
         */
        public Builder apiKey(String apiKey) {
            Objects.requireNonNull(apiKey, "apiKey");
            if (apiKey.isEmpty()) {
                throw new IllegalArgumentException("apiKey must not be empty");
            }
            if (apiKey.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw new IllegalArgumentException(
                        "apiKey must not contain whitespace or control characters (value not shown)");
            }
            this.apiKey = apiKey;
            return this;
        }

        /**
         * The most one HTTP call may take, from sending to the last byte of the answer; a call that runs
         * over fails with a retriable {@link BackendException}. Default 60 s, as {@code VotingGrm}'s call
         * timeout: a judge slower than that on every call is better found out than waited for.
         *
         * @throws IllegalArgumentException if it is zero or negative
         * @throws NullPointerException     if {@code callTimeout} is null
         */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = checkPositive(callTimeout, "callTimeout");
            return this;
        }

        /**
         * The most opening a connection may take, for the default HTTP client. Default 10 s.
         *
         * @throws IllegalArgumentException if it is zero or negative
         * @throws NullPointerException     if {@code connectTimeout} is null
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = checkPositive(connectTimeout, "connectTimeout");
            this.connectTimeoutSet = true;
            return this;
        }

        /**
         * The JDK client to send with, for proxies, TLS settings or HTTP/2; its own connect timeout,
         * executor and redirect policy apply. By default each backend builds one HTTP/1.1 client with
         * {@link #connectTimeout(Duration)}, no proxy, no redirects, and one daemon thread per CPU (at least
         * two) that ends when idle.
         *
         * @throws NullPointerException if {@code httpClient} is null
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * How long a server that keeps failing is set aside before it is probed again. Default 30 s.
         *
         * @throws IllegalArgumentException if it is zero or negative
         * @throws NullPointerException     if {@code cooldown} is null
         */
        public Builder cooldown(Duration cooldown) {
            this.cooldown = checkPositive(cooldown, "cooldown");
            return this;
        }

        /**
         * How many consecutive calls to a server must get no usable answer (connection error, timeout, 5xx,
         * garbage) before it is set aside. Default 3.
         *
         * @throws IllegalArgumentException if it is less than 1
         */
        public Builder failuresBeforeCooldown(int failuresBeforeCooldown) {
            if (failuresBeforeCooldown < 1) {
                throw new IllegalArgumentException(
                        "failuresBeforeCooldown must be >= 1, was " + failuresBeforeCooldown);
            }
            this.failuresBeforeCooldown = failuresBeforeCooldown;
            return this;
        }

        /**
         * Extra JSON fields for every request, for server-specific options such as vLLM's {@code top_k}
         * or {@code chat_template_kwargs}. Values are written with Jackson once, here. None by default.
         *
         * @throws IllegalArgumentException if a key is blank or one the backend writes itself
         *                                  ({@code model, messages, temperature, max_tokens, seed, stop,
         *                                  stream}), or a value cannot be written as JSON
         * @throws NullPointerException     if {@code extraBody} or a key is null
         */
        public Builder extraBody(Map<String, ?> extraBody) {
            Objects.requireNonNull(extraBody, "extraBody");
            Map<String, String> serialized = new LinkedHashMap<>();
            for (Map.Entry<String, ?> field : extraBody.entrySet()) {
                String key = Objects.requireNonNull(field.getKey(), "extraBody key");
                if (key.isBlank()) {
                    throw new IllegalArgumentException("extraBody keys must not be blank, was '" + key + "'");
                }
                if (OpenAiProtocol.RESERVED_FIELDS.contains(key)) {
                    throw new IllegalArgumentException("extraBody must not set '" + key
                            + "': the backend writes it from the request");
                }
                try {
                    serialized.put(key, OpenAiProtocol.JSON.writeValueAsString(field.getValue()));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("extraBody value of '" + key + "' cannot be written as JSON: "
                            + e.getOriginalMessage(), e);
                }
            }
            this.extraBody = Collections.unmodifiableMap(serialized);
            return this;
        }

        /**
         * Whether n samples of one prompt go out as one call with the server's {@code n} (vLLM, SGLang,
         * OpenAI: the prompt is prefilled and billed once); true by default. Turn it off for a server
         * that ignores or refuses {@code n}: each sample is then its own call.
         */
        public Builder nativeN(boolean nativeN) {
            this.nativeN = nativeN;
            return this;
        }

        /**
         * The body field that carries each request's affinity key (the same for every sample of one
         * request), so that a prefix-aware router keeps those samples on one replica: OpenAI's
         * {@code user} by default, which vLLM and SGLang accept. Null sends none.
         *
         * @throws IllegalArgumentException if it is blank or a field the backend writes itself
         */
        public Builder affinityField(@Nullable String field) {
            if (field != null && (field.isBlank() || OpenAiProtocol.RESERVED_FIELDS.contains(field))) {
                throw new IllegalArgumentException("affinityField must be a free body field name, was '" + field + "'");
            }
            this.affinityField = field;
            return this;
        }

        /**
         * A request header that carries the affinity key too, for routers that read a header (the vLLM
         * production-stack's session routing, {@code --session-key}); none by default.
         *
         * @throws IllegalArgumentException if it is not a valid header name
         */
        public Builder affinityHeader(@Nullable String header) {
            if (header != null && !header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new IllegalArgumentException("affinityHeader must be an HTTP header name, was '" + header + "'");
            }
            this.affinityHeader = header;
            return this;
        }

        /** The ticker for cooldowns, {@link Ticker#system()} by default; a seam for tests. */
        Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * A backend with these settings.
         *
         * @throws IllegalStateException if no base URL or model name was given, or a connect timeout was set
         *                               together with an HTTP client (set it on that client instead)
         */
        public OpenAiCompatibleBackend build() {
            if (baseUrls == null) {
                throw new IllegalStateException("baseUrl is required: set baseUrl or baseUrls");
            }
            if (modelName == null) {
                throw new IllegalStateException("modelName is required");
            }
            if (httpClient != null && connectTimeoutSet) {
                throw new IllegalStateException(
                        "connectTimeout applies to the default client only: set it on the given httpClient");
            }
            return new OpenAiCompatibleBackend(new Settings(modelName, List.copyOf(baseUrls), apiKey, callTimeout,
                    connectTimeout, httpClient, cooldown, failuresBeforeCooldown, extraBody, ticker, nativeN,
                    affinityField, affinityHeader));
        }

        private static Duration checkPositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }

        private static String checkBaseUrl(String baseUrl) {
            URI uri;
            try {
                uri = new URI(baseUrl);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("baseUrl must be a valid URL, was '" + baseUrl + "'", e);
            }
            if (uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("baseUrl must not carry credentials (use apiKey), was '"
                        + baseUrl.replace(uri.getRawUserInfo(), "***") + "'");
            }
            String scheme = uri.getScheme();
            if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || uri.getHost() == null) {
                throw new IllegalArgumentException(
                        "baseUrl must be an absolute http or https URL like http://127.0.0.1:8000/v1, was '"
                                + baseUrl + "'");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("baseUrl must not have a query or fragment, was '" + baseUrl + "'");
            }
            String trimmed = baseUrl;
            while (trimmed.endsWith("/")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            return trimmed;
        }
    }
}
