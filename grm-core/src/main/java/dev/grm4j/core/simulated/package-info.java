/**
 * A judge without a model, for dry runs, benchmarks and tests. {@link dev.grm4j.core.simulated.SimulatedJudge}
 * is an {@link dev.grm4j.core.backend.LlmBackend} whose accuracy, position bias, malformed-output rate
 * and latency are knobs, right or wrong against a {@link dev.grm4j.core.simulated.GroundTruth};
 * {@link dev.grm4j.core.simulated.SimulatedJudgeServer} serves it as an OpenAI-compatible chat
 * completions endpoint on loopback, with capacity limits and injected
 * {@link dev.grm4j.core.simulated.Fault}s, so that real HTTP clients can be tested against it.
 */
package dev.grm4j.core.simulated;
