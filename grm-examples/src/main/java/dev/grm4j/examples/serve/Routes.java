package dev.grm4j.examples.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.grm4j.core.internal.Json;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The HTTP side of the server: routes each request, reads its body without blocking (bounded in
 * size, pauses and total time), hands the parsed JSON to {@link Handlers}, and writes the answer when
 * its future completes. No thread waits: not for a slow body, not for a vote.
 */
final class Routes extends Handler.Abstract {

    private static final Logger log = LoggerFactory.getLogger(Routes.class);

    /**
     * The server's one codec: the library's strict mapper (junk after the JSON value and a repeated key
     * are bad requests, never silently resolved), where numbers also keep their decimal text (1.50 stays
     * 1.50), so that a label sent as a number reads as the text it was written as.
     */
    static final JsonMapper JSON = Json.MAPPER.rebuild()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    /** One endpoint: its method, and either what a GET answers or what a POST does with its body. */
    private record Route(String method, Supplier<Handlers.Answer> get,
                         Function<JsonNode, CompletableFuture<Handlers.Answer>> post, boolean reward) {
    }

    private final Handlers handlers;
    private final Metrics metrics;
    private final ReadDeadlines deadlines;
    private final RewardServer.Settings settings;
    private final String retryAfterSeconds;
    private final Map<String, Route> routes = new LinkedHashMap<>();

    Routes(Handlers handlers, Metrics metrics, ReadDeadlines deadlines, RewardServer.Settings settings) {
        this.handlers = handlers;
        this.metrics = metrics;
        this.deadlines = deadlines;
        this.settings = settings;
        this.retryAfterSeconds = Long.toString(Math.max(1, settings.retryAfter().toSeconds()));
        routes.put("/get_reward", new Route("POST", null, handlers::getReward, true));
        routes.put("/v1/score", new Route("POST", null, handlers::score, true));
        routes.put("/v1/reward", new Route("POST", null, handlers::reward, true));
        routes.put("/v1/group-reward", new Route("POST", null, handlers::groupReward, true));
        routes.put("/v1/spct-reward", new Route("POST", null,
                body -> CompletableFuture.completedFuture(handlers.spctReward(body)), false));
        routes.put("/health", new Route("GET", handlers::health, null, false));
        routes.put("/metrics", new Route("GET", () -> new Handlers.Answer(200, metrics.snapshot()), null, false));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        new Exchange(request, response, callback).start();
        return true;
    }

    static Handlers.Answer error(int status, String message) {
        String type = status == 503 ? "unavailable" : status >= 500 ? "internal" : "invalid_request";
        return error(status, message, type);
    }

    static Handlers.Answer error(int status, String message, String type) {
        return new Handlers.Answer(status, Map.of("error", Map.of("message", message, "type", type)));
    }

    /** One request, from its headers to its answer; answers exactly once, whoever gets there first. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final long arrived;
        private final Connection connection;
        private boolean answered;
        private boolean closeAfter;
        private Scheduler.Task deadlineTimer;
        private CompletableFuture<Handlers.Answer> pending;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.arrived = request.getBeginNanoTime();
            this.connection = request.getConnectionMetaData().getConnection();
        }

        void start() {
            deadlines.handling(connection);
            Request.addCompletionListener(request, failure -> deadlines.idle(connection));
            String path = Request.getPathInContext(request);
            Route route = routes.get(path);
            if (route == null) {
                answer(error(404, "no such endpoint: " + path + "; the endpoints are " + routes.keySet()));
                return;
            }
            metrics.request(path);
            if (!route.method().equals(request.getMethod())) {
                response.getHeaders().put(HttpHeader.ALLOW, route.method());
                answer(error(405, path + " takes " + route.method() + ", not " + request.getMethod()));
                return;
            }
            if (route.get() != null) {
                answer(route.get().get());
                return;
            }
            long announced = request.getLength();
            if (announced > settings.maxBodyBytes()) {
                answerAndClose(tooLarge());
                return;
            }
            new Body(this, route, announced).begin();
        }

        /** The body is in: parse it and let the route answer, within the deadline for reward routes. */
        void dispatch(Route route, byte[] body) {
            CompletableFuture<Handlers.Answer> answer;
            try {
                answer = route.post().apply(parse(body));
            } catch (BadRequest e) {
                answer(error(e.status(), e.getMessage()));
                return;
            } catch (RuntimeException e) {
                log.warn("request to {} failed", Request.getPathInContext(request), e);
                answer(error(500, "internal error: " + Failures.explain(e)));
                return;
            }
            synchronized (this) {
                pending = answer;
                if (route.reward() && settings.deadline() != null && !answer.isDone()) {
                    long left = settings.deadline().toNanos() - (System.nanoTime() - arrived);
                    deadlineTimer = request.getComponents().getScheduler().schedule(this::expire,
                            Math.max(0, left), TimeUnit.NANOSECONDS);
                }
            }
            answer.whenComplete((result, failure) -> {
                if (failure == null) {
                    answer(result);
                } else if (!(failure instanceof java.util.concurrent.CancellationException)) {
                    answer(failed(failure));
                }
            });
        }

        private Handlers.Answer failed(Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof BadRequest bad) {
                return error(bad.status(), bad.getMessage());
            }
            return Handlers.unavailable("backend trouble: " + Failures.explain(cause));
        }

        /** The server's deadline passed before the votes: give up on them and say so. */
        private void expire() {
            CompletableFuture<Handlers.Answer> votes;
            synchronized (this) {
                if (answered) {
                    return;
                }
                votes = pending;
            }
            answer(error(503, "no reward within the deadline of " + Failures.seconds(settings.deadline())
                    + " (grm serve --deadline): the judge (" + settings.model() + ") did not answer every sample in"
                    + " time, or its calls were queued behind others; retry later", "deadline_exceeded"));
            if (votes != null) {
                votes.cancel(false);
            }
        }

        void answerAndClose(Handlers.Answer answer) {
            synchronized (this) {
                closeAfter = true;
            }
            answer(answer);
        }

        void answer(Handlers.Answer answer) {
            boolean close;
            synchronized (this) {
                if (answered) {
                    return;
                }
                answered = true;
                close = closeAfter;
                if (deadlineTimer != null) {
                    deadlineTimer.cancel();
                }
            }
            byte[] bytes;
            int status = answer.status();
            try {
                bytes = JSON.writeValueAsBytes(answer.body());
            } catch (JsonProcessingException e) {
                status = 500;
                bytes = ("{\"error\": {\"message\": \"could not write the answer\", \"type\": \"internal\"}}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            if (status == 503) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
            }
            if (close) {
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            }
            int sent = status;
            response.write(true, ByteBuffer.wrap(bytes), Callback.from(() -> {
                metrics.response(sent, micros());
                callback.succeeded();
            }, failure -> {
                // The request failed under us (a broken body, a reset): Jetty answers, if it still can.
                metrics.response(sent, micros());
                callback.failed(failure);
            }));
        }

        synchronized boolean isAnswered() {
            return answered;
        }

        private long micros() {
            return (System.nanoTime() - arrived) / 1000;
        }
    }

    /**
     * Reads one body as its chunks arrive, on whichever Jetty thread delivers them. While it reads,
     * the connection's idle timeout is the stall timeout: a pause that long ends the request.
     */
    private final class Body implements Runnable {
        private final Exchange exchange;
        private final Route route;
        private final long announced;
        private final EndPoint endPoint;
        private final long idleTimeout;
        private byte[] bytes;
        private int size;
        private Scheduler.Task timer;
        private boolean over;

        Body(Exchange exchange, Route route, long announced) {
            this.exchange = exchange;
            this.route = route;
            this.announced = announced;
            this.endPoint = exchange.connection.getEndPoint();
            this.idleTimeout = endPoint.getIdleTimeout();
            this.bytes = new byte[(int) Math.max(0, Math.min(announced, 64 * 1024))];
        }

        void begin() {
            endPoint.setIdleTimeout(settings.stallTimeout().toMillis());
            long left = settings.readTimeout().toNanos() - (System.nanoTime() - exchange.arrived);
            synchronized (this) {
                timer = exchange.request.getComponents().getScheduler().schedule(this::tooSlow,
                        Math.max(0, left), TimeUnit.NANOSECONDS);
            }
            run();
        }

        @Override
        public void run() {
            byte[] complete = null;
            synchronized (this) {
                while (!over) {
                    Content.Chunk chunk = exchange.request.read();
                    if (chunk == null) {
                        exchange.request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        fail(chunk.getFailure());
                        return;
                    }
                    ByteBuffer buffer = chunk.getByteBuffer();
                    int length = buffer.remaining();
                    if ((long) size + length > settings.maxBodyBytes()) {
                        chunk.release();
                        end();
                        exchange.answerAndClose(tooLarge());
                        return;
                    }
                    if (size + length > bytes.length) {
                        bytes = Arrays.copyOf(bytes, (int) Math.min(settings.maxBodyBytes(),
                                Math.max((long) size + length, 2L * bytes.length)));
                    }
                    buffer.get(bytes, size, length);
                    size += length;
                    chunk.release();
                    if (chunk.isLast()) {
                        end();
                        complete = size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
                        break;
                    }
                }
            }
            if (complete != null) {
                exchange.dispatch(route, complete);
            }
        }

        /** Stops reading: the body is complete, or the request is answered without the rest of it. */
        private void end() {
            over = true;
            if (timer != null) {
                timer.cancel();
            }
            endPoint.setIdleTimeout(idleTimeout);
        }

        private void fail(Throwable failure) {
            end();
            String received = size + (announced >= 0 ? " of the " + announced + " bytes its Content-Length announced"
                    : " bytes");
            String message;
            if (failure instanceof TimeoutException) {
                message = "the request body stopped after " + received + ": no byte for "
                        + settings.stallTimeout().toMillis() + " ms";
            } else if (failure instanceof EofException) {
                // Jetty reports a malformed chunk as an early end too: it closes the connection on it.
                message = announced >= 0 ? "the request body ended after " + received
                        : "the chunked request body broke off after " + received
                        + ": the client closed it before its last chunk, or a chunk is malformed";
            } else if (failure instanceof HttpException) {
                message = "malformed request body after " + received + ": " + Failures.explain(failure);
            } else {
                message = "could not read the request body after " + received + ": " + Failures.explain(failure);
            }
            exchange.answerAndClose(error(400, message));
        }

        private void tooSlow() {
            synchronized (this) {
                if (over) {
                    return;
                }
                end();
            }
            exchange.answerAndClose(error(400, "the request was not complete " + settings.readTimeout().toMillis()
                    + " ms after its first byte: " + size + (announced >= 0 ? " of " + announced : "")
                    + " body bytes arrived"));
        }
    }

    private Handlers.Answer tooLarge() {
        return error(413, "body is larger than the limit of " + settings.maxBodyBytes() + " bytes");
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new BadRequest("body is empty: expected a JSON object");
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("body is not valid JSON: " + e.getMessage());
        }
    }
}
