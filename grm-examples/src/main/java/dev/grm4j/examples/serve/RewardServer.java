package dev.grm4j.examples.serve;

import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.voting.VotingGrm;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The reward server behind {@code grm serve}: OpenRLHF's {@code POST /get_reward}, the native
 * {@code POST /v1/score}, the SPCT rule reward {@code POST /v1/spct-reward}, {@code GET /health} and
 * {@code GET /metrics}, over one {@link VotingGrm}, so that every request shares its limit on calls in
 * flight: rollouts that arrive together are scored together. For MetaRM@k ({@code grm serve --meta})
 * that model is a {@link MetaGuidedVoting}: it is a voting model, and the server answers its deciding
 * vote as it would any other.
 *
 * <p>Bad requests get 400 (413 for bodies over the limit) with {@code {"error": {"message", "type"}}}
 * naming the field; votes without quorum, backend trouble and a passed {@linkplain Builder#deadline
 * deadline} get 503 with {@code Retry-After}, never a made-up reward. Every error is that JSON, the
 * HTTP layer's own (404, 405, malformed requests) included.
 *
 * <p><b>Slow clients cost no thread.</b> Jetty reads connections with non-blocking I/O: an idle
 * connection, or one that drips its request a byte at a time, holds a buffer, not a thread, until the
 * {@linkplain Builder#readTimeout read timeout} closes it. Waiting for votes holds no thread either:
 * the answer is written when the votes complete. {@link #close()} stops accepting, then lets requests in
 * flight finish within the grace period.
 */
public final class RewardServer implements AutoCloseable {

    private final VotingGrm voting;
    private final String host;
    private final int requestedPort;
    private final int threads;
    private final Duration idleTimeout;
    private final Duration grace;
    private final Settings settings;
    private Server jetty;
    private ServerConnector connector;
    private ScheduledExecutorService timers;

    /** The most responses of a group one judgement shows, unless the builder says otherwise. */
    public static final int DEFAULT_MAX_GROUP = 8;

    private RewardServer(Builder builder) {
        this.voting = builder.voting;
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.threads = builder.threads;
        this.idleTimeout = builder.idleTimeout;
        this.grace = builder.grace;
        int maxGroup = builder.maxGroup > 0 ? builder.maxGroup : Math.min(DEFAULT_MAX_GROUP, voting.grm().maxResponses());
        if (maxGroup > voting.grm().maxResponses()) {
            throw new IllegalArgumentException("maxGroup " + maxGroup + " is more than the judge shows in one prompt"
                    + " (maxResponses " + voting.grm().maxResponses() + ")");
        }
        this.settings = new Settings(builder.maxBodyBytes, builder.retryAfter, builder.deadline, builder.stallTimeout,
                builder.readTimeout, voting.grm().modelName(), maxGroup, builder.groupWindow);
    }

    /**
     * @param voting the model every reward request is voted by: plain Voting@k, or a
     *               {@link MetaGuidedVoting} for MetaRM@k
     */
    public static Builder builder(VotingGrm voting) {
        return new Builder(voting);
    }

    /**
     * The {@linkplain VotingGrm.Builder#deadline deadline} to give the voting model of a server whose
     * reward requests must be answered within {@code requestDeadline}: a tenth shorter, by 100 ms to
     * 1 s (never below half of it). The vote's own answer names each sample's failure ("the judge did
     * not answer in time", "connection refused"); ending it first, with time left to write it, makes
     * that the answer a client gets, and the server's deadline a backstop that is never reached late.
     *
     * @throws IllegalArgumentException if {@code requestDeadline} is not positive
     */
    public static Duration voteDeadline(Duration requestDeadline) {
        Builder.positive(requestDeadline, "requestDeadline");
        long nanos = requestDeadline.toNanos();
        long margin = Math.max(Duration.ofMillis(100).toNanos(), Math.min(Duration.ofSeconds(1).toNanos(), nanos / 10));
        return Duration.ofNanos(Math.max(nanos / 2, nanos - margin));
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException if the address cannot be bound (in use, not local, no permission)
     */
    public synchronized RewardServer start() throws IOException {
        if (jetty != null) {
            throw new IllegalStateException("server already started on port " + port());
        }
        QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(threads, 4));
        pool.setName("grm-serve");
        pool.setDaemon(true);
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector listener = new ServerConnector(server, new HttpConnectionFactory(http));
        listener.setHost(host);
        listener.setPort(requestedPort);
        listener.setIdleTimeout(idleTimeout.toMillis());
        listener.setAcceptQueueSize(1024);
        ReadDeadlines deadlines = new ReadDeadlines(settings.readTimeout());
        listener.addBean(deadlines);
        server.addConnector(listener);
        Metrics metrics = new Metrics();
        ScheduledExecutorService windows = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "grm-serve-group-window");
            thread.setDaemon(true);
            return thread;
        });
        Handlers handlers = new Handlers(voting, metrics, settings, windows);
        server.setHandler(new ShuttingDown(new Routes(handlers, metrics, deadlines, settings)));
        server.setErrorHandler(new JsonErrors(settings.retryAfter()));
        // Graceful stop: the connector stops accepting, Routes answers new requests 503, and stop()
        // waits this long for the requests in flight.
        server.setStopTimeout(Math.max(1, grace.toMillis()));
        try {
            server.start();
            deadlines.start(server.getBean(Scheduler.class));
        } catch (Exception e) {
            stopQuietly(server);
            windows.shutdownNow();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot start the server on " + host + ":" + requestedPort + ": " + e.getMessage(), e);
        }
        jetty = server;
        connector = listener;
        timers = windows;
        return this;
    }

    /** The port listened on: the one asked for, or the one picked for port 0. */
    public synchronized int port() {
        if (connector == null) {
            throw new IllegalStateException("server not started");
        }
        return connector.getLocalPort();
    }

    public String baseUrl() {
        return "http://" + host + ":" + port();
    }

    /**
     * Stops accepting connections, answers new requests on open connections with 503, waits up to
     * the grace period for the requests in flight to be answered, then stops. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (jetty == null || jetty.isStopping() || jetty.isStopped()) {
            return;
        }
        try {
            jetty.stop();
            timers.shutdownNow();
        } catch (Exception e) {
            throw new UncheckedIOException(new IOException("could not stop the server: " + e.getMessage(), e));
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // already failing to start: the start failure is the one to report
        }
    }

    /** Counts requests in flight so that stop() can wait for them; answers new ones 503 once stopping. */
    private static final class ShuttingDown extends GracefulHandler {
        ShuttingDown(Handler handler) {
            super(handler);
            // Idle keep-alive connections are closed this soon once stopping; requests in flight are not
            // idle (Jetty ignores the idle timeout while a handler holds the request) and are answered.
            setShutdownIdleTimeout(100);
        }

        @Override
        protected void handleShutdownRejection(Request request, Response response, Callback callback) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            Response.writeError(request, response, callback, 503, "server is shutting down");
        }
    }

    /** What the request handling needs to know of the configuration. */
    record Settings(long maxBodyBytes, Duration retryAfter, Duration deadline, Duration stallTimeout,
                    Duration readTimeout, String model, int maxGroup, Duration groupWindow) {
    }

    /** Configures a {@link RewardServer}. */
    public static final class Builder {
        private final VotingGrm voting;
        private String host = "127.0.0.1";
        private int port = 5000;
        private long maxBodyBytes = 10L * 1024 * 1024;
        private Duration retryAfter = Duration.ofSeconds(5);
        private Duration grace = Duration.ofSeconds(30);
        private Duration deadline;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofSeconds(20);
        private Duration stallTimeout = Duration.ofMillis(500);
        private int threads = 64;
        private int maxGroup;
        private Duration groupWindow;

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
            if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("maxBodyBytes must be in 1.." + (Integer.MAX_VALUE - 8)
                        + ", was " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** The Retry-After sent with 503s; 5 s by default. */
        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = positive(retryAfter, "retryAfter");
            return this;
        }

        /**
         * The longest a reward request ({@code /get_reward}, {@code /v1/score}) may take from its arrival
         * to its answer, over all its rollouts, samples, retries and waits for a free call; at the
         * deadline it gets 503 naming the rollouts still unvoted. None by default: the voting model's own
         * {@linkplain VotingGrm.Builder#deadline deadline} then bounds each vote. Give the voting model a
         * somewhat shorter deadline than this, so that its answer, which names each sample's failure,
         * normally comes first.
         */
        public Builder deadline(Duration deadline) {
            this.deadline = positive(deadline, "deadline");
            return this;
        }

        /** How long a connection with no request in progress may stay silent before it is closed; 30 s by default. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = positive(idleTimeout, "idleTimeout");
            return this;
        }

        /**
         * The longest a client may take to send one request, headers and body, counted from its first
         * byte; then the connection is closed (or the request gets 400 if its headers are in). 20 s by
         * default. Slow clients cost no thread, so this only bounds how long they hold a connection.
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = positive(readTimeout, "readTimeout");
            return this;
        }

        /**
         * The longest pause allowed inside a request body; then the request gets 400 and its connection
         * is closed. 0.5 s by default: reward clients send their few kilobytes of body in one go, so a
         * body that stops that long comes from a client that is gone or announced more bytes than it has.
         */
        public Builder stallTimeout(Duration stallTimeout) {
            this.stallTimeout = positive(stallTimeout, "stallTimeout");
            return this;
        }

        /**
         * The most threads that parse requests and write answers, 8..4096; 64 by default. No thread waits
         * for a slow client or a vote, so a few are plenty.
         */
        public Builder threads(int threads) {
            if (threads < 8 || threads > 4096) {
                throw new IllegalArgumentException("threads must be in 8..4096, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** How long {@link #close()} waits for requests in flight; 30 s by default. */
        public Builder grace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must be >= 0, was " + grace);
            }
            this.grace = grace;
            return this;
        }

        /**
         * The most responses of one group a judgement shows, 2 or more; a larger group is split into
         * balanced sub-groups. {@value RewardServer#DEFAULT_MAX_GROUP} by default (or the judge's
         * {@code maxResponses}, if fewer); never more than the judge's {@code maxResponses}.
         */
        public Builder maxGroup(int maxGroup) {
            if (maxGroup < 2) {
                throw new IllegalArgumentException("maxGroup must be >= 2, was " + maxGroup);
            }
            this.maxGroup = maxGroup;
            return this;
        }

        /**
         * Rates {@code /get_reward} rollouts of the same prompt that arrive within {@code window} of the
         * first as one group (a {@link GroupWindow}); each is answered when its group's vote is done. Off
         * by default: every rollout is then judged alone.
         */
        public Builder groupWindow(Duration window) {
            this.groupWindow = positive(window, "groupWindow");
            return this;
        }

        public RewardServer build() {
            return new RewardServer(this);
        }

        private static Duration positive(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + duration);
            }
            return duration;
        }
    }
}
