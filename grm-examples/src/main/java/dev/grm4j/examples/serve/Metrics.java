package dev.grm4j.examples.serve;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.Outcome;
import dev.grm4j.voting.VoteResult;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters and latency percentiles of a reward server. Thread-safe. */
final class Metrics {

    /** The most recent latencies the percentiles are computed over. */
    private static final int WINDOW = 4096;

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<Outcome, LongAdder> samples = new EnumMap<>(Outcome.class);
    private final Map<Integer, LongAdder> groupSizes = new ConcurrentHashMap<>();
    private final LongAdder inputTokens = new LongAdder();
    private final LongAdder outputTokens = new LongAdder();
    private final long[] latencies = new long[WINDOW];
    private final AtomicLong recorded = new AtomicLong();

    Metrics() {
        for (Outcome outcome : Outcome.values()) {
            samples.put(outcome, new LongAdder());
        }
    }

    void request(String path) {
        requests.computeIfAbsent(path, p -> new LongAdder()).increment();
    }

    void response(int status, long latencyMicros) {
        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
        long slot = recorded.getAndIncrement();
        synchronized (latencies) {
            latencies[(int) (slot % WINDOW)] = latencyMicros;
        }
    }

    void vote(VoteResult result) {
        for (Judgement sample : result.samples()) {
            samples.get(sample.outcome()).increment();
            inputTokens.add(sample.usage().inputTokens());
            outputTokens.add(sample.usage().outputTokens());
        }
    }

    void groupSize(int size) {
        groupSizes.computeIfAbsent(size, s -> new LongAdder()).increment();
    }

    Map<String, Object> snapshot() {
        Map<String, Object> snapshot = new LinkedHashMap<>();
        snapshot.put("requests", sum(requests));
        snapshot.put("responses", sum(statuses));
        Map<String, Long> outcomes = new LinkedHashMap<>();
        samples.forEach((outcome, count) -> outcomes.put(outcome.name(), count.sum()));
        snapshot.put("samples", outcomes);
        snapshot.put("tokens", Map.of("input", inputTokens.sum(), "output", outputTokens.sum()));
        snapshot.put("latency_ms", percentiles());
        snapshot.put("group_sizes", sum(groupSizes));
        return snapshot;
    }

    private Map<String, Double> percentiles() {
        long[] window;
        synchronized (latencies) {
            int count = (int) Math.min(recorded.get(), WINDOW);
            window = Arrays.copyOf(latencies, count);
        }
        Arrays.sort(window);
        Map<String, Double> result = new LinkedHashMap<>();
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            result.put("p" + Math.round(q * 100), window.length == 0 ? 0.0
                    : window[(int) Math.min(window.length - 1, Math.floor(q * window.length))] / 1000.0);
        }
        return result;
    }

    private static <K> Map<String, Long> sum(Map<K, LongAdder> counters) {
        Map<String, Long> sums = new java.util.TreeMap<>();
        counters.forEach((key, count) -> sums.put(String.valueOf(key), count.sum()));
        return sums;
    }
}
