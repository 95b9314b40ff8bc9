package dev.grm4j.examples.serve;

import dev.grm4j.core.Outcome;
import dev.grm4j.voting.VotingGrm;
import dev.grm4j.voting.VotingListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A reward server's metrics, in Prometheus text at {@code GET /metrics} and as JSON figures at
 * {@code GET /v1/stats}. It is also the {@link VotingListener} that counts the judge's samples: give it to
 * the voting model the server votes with, and to the server.
 *
 * <pre>{@code
 * RewardMetrics metrics = new RewardMetrics();
 * VotingGrm voting = VotingGrm.builder(grm).k(8).listener(metrics).build();
 * RewardServer server = RewardServer.builder(voting).metrics(metrics).build().start();
 * }</pre>
 *
 * <p>Request durations are recorded per endpoint for the reward endpoints only: liveness, readiness and
 * metrics probes come every few seconds and would drown the percentiles that matter. Thread-safe.
 */
public final class RewardMetrics implements VotingListener {

    /** Endpoints whose requests are probes: counted, but kept out of the duration histogram. */
    static final Set<String> PROBES = Set.of("/health", "/ready", "/metrics", "/v1/stats");

    /** The most recent reward-request latencies {@code /v1/stats}' percentiles are computed over. */
    private static final int WINDOW = 4096;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("grm_http_requests")
            .help("HTTP requests answered, by endpoint and status").labelNames("endpoint", "status")
            .register(registry);
    private final Histogram duration = Histogram.builder().name("grm_http_request_duration_seconds")
            .help("Time from a reward request's arrival to its answer (probes excluded)").labelNames("endpoint")
            .classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300)
            .register(registry);
    private final Counter rollouts = Counter.builder().name("grm_rollouts")
            .help("Rollouts answered, by endpoint and result (rewarded, masked, empty, unavailable)")
            .labelNames("endpoint", "result").register(registry);
    private final Counter samples = Counter.builder().name("grm_samples")
            .help("Judge samples finished, by outcome (retried attempts excluded)").labelNames("outcome")
            .register(registry);
    private final Counter retries = Counter.builder().name("grm_sample_retries")
            .help("Judge samples sent again after a retriable failure").register(registry);
    private final Counter inputTokens = Counter.builder().name("grm_judge_input_tokens")
            .help("Prompt tokens the judge reported, every attempt included").register(registry);
    private final Counter outputTokens = Counter.builder().name("grm_judge_output_tokens")
            .help("Completion tokens the judge reported, every attempt included").register(registry);
    private final Histogram sampleDuration = Histogram.builder().name("grm_judge_call_duration_seconds")
            .help("Wall time of each judge call attempt, by outcome").labelNames("outcome")
            .classicOnly().classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
            .register(registry);
    private final Histogram groupSizes = Histogram.builder().name("grm_group_size")
            .help("Responses per group judgement (POST /v1/group-reward and the group window)")
            .classicOnly().classicUpperBounds(1, 2, 4, 8, 16, 32, 64).register(registry);
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final AtomicReference<VotingGrm> voting = new AtomicReference<>();
    private final AtomicReference<Boolean> ready = new AtomicReference<>(Boolean.TRUE);
    private final long[] latencies = new long[WINDOW];
    private final AtomicLong recorded = new AtomicLong();

    public RewardMetrics() {
        GaugeWithCallback.builder().name("grm_samples_in_flight")
                .help("Judge samples sent and not yet answered, over all requests")
                .callback(gauge -> gauge.call(votingOrNull() == null ? 0 : votingOrNull().inFlight()))
                .register(registry);
        GaugeWithCallback.builder().name("grm_samples_queued")
                .help("Judge samples waiting for a free call (the shared limit, grm serve --concurrency)")
                .callback(gauge -> gauge.call(votingOrNull() == null ? 0 : votingOrNull().queued()))
                .register(registry);
        GaugeWithCallback.builder().name("grm_ready")
                .help("1 while the judge answers the readiness probe, else 0 (as of the last probe)")
                .callback(gauge -> gauge.call(ready.get() ? 1 : 0)).register(registry);
        for (Outcome outcome : Outcome.values()) {
            samples.labelValues(outcome.name().toLowerCase(Locale.ROOT));
        }
    }

    @Override
    public void sampleFinished(SampleFinished event) {
        String outcome = event.outcome().name().toLowerCase(Locale.ROOT);
        if (event.willRetry()) {
            retries.inc();
        } else {
            samples.labelValues(outcome).inc();
        }
        inputTokens.inc(event.usage().inputTokens());
        outputTokens.inc(event.usage().outputTokens());
        sampleDuration.labelValues(outcome).observe(event.latency().toNanos() / 1e9);
    }

    /** The voting model whose calls in flight and queued the gauges read. */
    void watch(VotingGrm watched) {
        voting.set(watched);
    }

    void ready(boolean isReady) {
        ready.set(isReady);
    }

    /** One answered request; {@code endpoint} is a route's path, or "other" for paths that are none. */
    void request(String endpoint, int status, long nanos) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        if (!PROBES.contains(endpoint) && !"other".equals(endpoint)) {
            duration.labelValues(endpoint).observe(nanos / 1e9);
            long slot = recorded.getAndIncrement();
            synchronized (latencies) {
                latencies[(int) (slot % WINDOW)] = nanos / 1000;
            }
        }
    }

    void rollouts(String endpoint, String result, int count) {
        if (count > 0) {
            rollouts.labelValues(endpoint, result).inc(count);
        }
    }

    void groupSize(int size) {
        groupSizes.observe(size);
    }

    /** Prometheus' text exposition format. */
    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code /v1/stats}: the same counts as JSON, and latency percentiles over the recent reward requests. */
    Map<String, Object> stats() {
        Map<String, Object> stats = new LinkedHashMap<>();
        Map<String, Double> byEndpoint = new java.util.TreeMap<>();
        Map<String, Double> byStatus = new java.util.TreeMap<>();
        registry.scrape().stream().filter(s -> s.getMetadata().getName().equals("grm_http_requests"))
                .flatMap(s -> s.getDataPoints().stream()).forEach(point -> {
                    double count = ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) point)
                            .getValue();
                    byEndpoint.merge(point.getLabels().get("endpoint"), count, Double::sum);
                    byStatus.merge(point.getLabels().get("status"), count, Double::sum);
                });
        stats.put("requests", longs(byEndpoint));
        stats.put("responses", longs(byStatus));
        Map<String, Long> outcomes = new LinkedHashMap<>();
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome.name(), (long) samples.labelValues(outcome.name().toLowerCase(Locale.ROOT)).get());
        }
        stats.put("samples", outcomes);
        stats.put("retries", (long) retries.get());
        stats.put("tokens", Map.of("input", (long) inputTokens.get(), "output", (long) outputTokens.get()));
        stats.put("latency_ms", percentiles());
        VotingGrm watched = votingOrNull();
        stats.put("in_flight", watched == null ? 0 : watched.inFlight());
        stats.put("queued", watched == null ? 0 : watched.queued());
        return stats;
    }

    private VotingGrm votingOrNull() {
        return voting.get();
    }

    private Map<String, Double> percentiles() {
        long[] window;
        synchronized (latencies) {
            window = Arrays.copyOf(latencies, (int) Math.min(recorded.get(), WINDOW));
        }
        Arrays.sort(window);
        Map<String, Double> result = new LinkedHashMap<>();
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            // Before the first request there is no latency: null, not a 0 ms that reads as a fast server.
            result.put("p" + Math.round(q * 100), window.length == 0 ? null
                    : window[(int) Math.min(window.length - 1, Math.floor(q * window.length))] / 1000.0);
        }
        return result;
    }

    private static Map<String, Long> longs(Map<String, Double> counts) {
        Map<String, Long> result = new LinkedHashMap<>();
        counts.forEach((key, value) -> result.put(key, Math.round(value)));
        return result;
    }
}
