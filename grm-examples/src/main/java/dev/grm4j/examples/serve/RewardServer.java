package dev.grm4j.examples.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.metarm.MetaVoteResult;
import dev.grm4j.voting.VotingGrm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The reward server behind {@code grm serve}: OpenRLHF's {@code POST /get_reward}, the native
 * {@code POST /v1/score}, the SPCT rule reward {@code POST /v1/spct-reward}, {@code GET /health} and {@code GET /metrics}, over one {@link VotingGrm},
 * so that every request shares its limit on calls in flight: rollouts that arrive together are
 * scored together.
 *
 * <p>Bad requests get 400 (413 for bodies over the limit) with {@code {"error": {"message", "type"}}}
 * naming the field; votes without quorum and backend trouble get 503 with {@code Retry-After}, never
 * a made-up reward. Waiting for votes holds no thread: answers are sent when the votes complete.
 * {@link #close()} stops accepting, then lets requests in flight finish within the grace period.
 */
public final class RewardServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RewardServer.class);
    /** Strict: junk after the JSON value is a bad request, not something to ignore. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final VotingGrm voting;
    private final Handlers handlers;
    private final Metrics metrics = new Metrics();
    private final String host;
    private final int requestedPort;
    private final long maxBodyBytes;
    private final Duration retryAfter;
    private final Duration grace;
    private final int threads;
    private final AtomicInteger inFlight = new AtomicInteger();
    private HttpServer server;
    private ExecutorService executor;
    private volatile boolean closing;

    private RewardServer(Builder builder) {
        this.voting = builder.voting;
        this.handlers = new Handlers(voting, builder.guided == null ? voting::voteAsync
                : request -> builder.guided.voteAsync(request).thenApply(MetaVoteResult::vote), metrics);
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.retryAfter = builder.retryAfter;
        this.grace = builder.grace;
        this.threads = builder.threads;
    }

    public static Builder builder(VotingGrm voting) {
        return new Builder(voting);
    }

    /** Binds and starts serving. */
    public synchronized RewardServer start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("server already started on port " + port());
        }
        server = HttpServer.create(new InetSocketAddress(host, requestedPort), 1024);
        executor = connectionExecutor(threads);
        server.setExecutor(executor);
        route("/get_reward", "POST", body -> handlers.getReward(parse(body)));
        route("/v1/score", "POST", body -> handlers.score(parse(body)));
        route("/v1/spct-reward", "POST", body -> CompletableFuture.completedFuture(handlers.spctReward(parse(body))));
        route("/health", "GET", body -> CompletableFuture.completedFuture(handlers.health()));
        route("/metrics", "GET", body -> CompletableFuture.completedFuture(new Handlers.Answer(200, metrics.snapshot())));
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://" + host + ":" + port();
    }

    /** Stops accepting requests, waits up to the grace period for those in flight, then stops. */
    @Override
    public synchronized void close() {
        if (server == null || closing) {
            return;
        }
        closing = true;
        long until = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop(0);
        executor.shutdownNow();
    }

    /**
     * The JDK server reads each request's headers and body on its executor, blocking, with no read
     * deadline: a client that drips bytes holds a thread for as long as it likes. Virtual threads
     * (Java 21+) make such a client cost almost nothing; on Java 17 a large pool of mostly idle threads
     * raises the number of slow clients it takes to starve the others. Neither is a substitute for a
     * reverse proxy in front of a server exposed to untrusted clients.
     */
    private static ExecutorService connectionExecutor(int threads) {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            AtomicInteger count = new AtomicInteger();
            return Executors.newFixedThreadPool(threads, runnable -> {
                Thread thread = new Thread(runnable, "grm-serve-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    private void route(String path, String method, Function<byte[], CompletableFuture<Handlers.Answer>> handler) {
        server.createContext(path, exchange -> {
            long start = System.nanoTime();
            inFlight.incrementAndGet();
            metrics.request(path);
            CompletableFuture<Handlers.Answer> answer;
            try {
                if (!exchange.getRequestURI().getPath().equals(path)) {
                    throw new BadRequest(404, "no such endpoint: " + exchange.getRequestURI().getPath());
                }
                if (closing) {
                    answer = CompletableFuture.completedFuture(Handlers.unavailable("server is shutting down"));
                } else if (!exchange.getRequestMethod().equalsIgnoreCase(method)) {
                    throw new BadRequest(405, path + " takes " + method + ", not " + exchange.getRequestMethod());
                } else {
                    answer = handler.apply(readBody(exchange));
                }
            } catch (BadRequest e) {
                answer = CompletableFuture.completedFuture(error(e.status(), e.getMessage(), "invalid_request"));
            } catch (RuntimeException e) {
                log.warn("request to {} failed", path, e);
                answer = CompletableFuture.completedFuture(error(500, "internal error: " + e, "internal"));
            }
            answer.exceptionally(e -> {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                return cause instanceof BadRequest bad ? error(bad.status(), bad.getMessage(), "invalid_request")
                        : Handlers.unavailable("backend trouble: " + cause.getMessage());
            }).thenAccept(result -> send(exchange, result, start));
        });
    }

    private void send(HttpExchange exchange, Handlers.Answer answer, long start) {
        try (exchange) {
            byte[] body = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (answer.status() == 503) {
                exchange.getResponseHeaders().set("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
            }
            exchange.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            log.debug("client went away before the answer: {}", e.toString());
        } finally {
            metrics.response(answer.status(), (System.nanoTime() - start) / 1000);
            inFlight.decrementAndGet();
        }
    }

    private byte[] readBody(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > maxBodyBytes) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw new BadRequest("Content-Length is not a number: " + length);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] buffer = new byte[16384];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                body.write(buffer, 0, read);
                if (body.size() > maxBodyBytes) {
                    throw tooLarge();
                }
            }
            return body.toByteArray();
        } catch (IOException e) {
            throw new BadRequest("could not read the request body: " + e.getMessage());
        }
    }

    private BadRequest tooLarge() {
        return new BadRequest(413, "body is larger than the limit of " + maxBodyBytes + " bytes");
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new BadRequest("body is empty: expected a JSON object");
        }
        try {
            return JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new BadRequest("body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Handlers.Answer error(int status, String message, String type) {
        return new Handlers.Answer(status, Map.of("error", Map.of("message", message, "type", type)));
    }

    /** Configures a {@link RewardServer}. */
    public static final class Builder {
        private final VotingGrm voting;
        private String host = "127.0.0.1";
        private int port = 5000;
        private long maxBodyBytes = 10L * 1024 * 1024;
        private Duration retryAfter = Duration.ofSeconds(5);
        private Duration grace = Duration.ofSeconds(30);
        private MetaGuidedVoting guided;
        private int threads = 256;

        private Builder(VotingGrm voting) {
            this.voting = Objects.requireNonNull(voting, "voting");
        }

        /** The address to bind; 127.0.0.1 by default (0.0.0.0 to serve other machines). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** 0 picks a free port; 5000 by default. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Larger bodies get 413; 10 MB by default. */
        public Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be >= 1, was " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** The Retry-After sent with 503s; 5 s by default. */
        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
            return this;
        }

        /**
         * Lets a meta RM choose which samples vote (MetaRM@k); {@code guided} must wrap the same
         * voting model. Without it, plain Voting@k.
         */
        public Builder guidedBy(MetaGuidedVoting guided) {
            this.guided = Objects.requireNonNull(guided, "guided");
            if (guided.voting() != voting) {
                throw new IllegalArgumentException("guided voting must wrap the server's voting model");
            }
            return this;
        }

        /**
         * Threads that read requests on Java 17 (on Java 21+ every connection gets a virtual thread
         * instead); 256 by default. Each slow client holds one until it finishes sending.
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** How long {@link #close()} waits for requests in flight; 30 s by default. */
        public Builder grace(Duration grace) {
            this.grace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        public RewardServer build() {
            return new RewardServer(this);
        }
    }
}
