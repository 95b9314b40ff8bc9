package dev.grm4j.examples.bench;

/**
 * What one {@code grm bench} run measures, as given on the command line.
 *
 * @param k             samples of the voted request in (a)
 * @param latencyMs     the simulated judge's latency per call
 * @param capacity      calls the server of (b) answers at once
 * @param batchRequests requests in the batch of (b)
 * @param batchK        samples per request in the batch of (b)
 * @param repeats       timed requests of each kind in (a)
 * @param warmupSamples samples of the warm-up burst
 * @param seed          seeds the votes
 * @param cpuByThread   whether (b) also reports CPU by thread group
 */
record BenchSettings(int k, int latencyMs, int capacity, int batchRequests, int batchK, int repeats,
                     int warmupSamples, long seed, boolean cpuByThread) {

    /** What the server of (b) can answer per second: capacity / latency. */
    double capacitySamplesPerSecond() {
        return capacity * 1000.0 / latencyMs;
    }
}
