/**
 * Test fixtures of grm4j, published as grm-core's {@code tests} jar (Maven type {@code test-jar}) and
 * kept out of the library jar, as okhttp keeps MockWebServer out of okhttp.jar.
 *
 * <p>{@link dev.grm4j.core.testing.ScriptedBackend} answers each call with a function of the request
 * and records the calls: the one scripted backend of every module's tests.
 * {@link dev.grm4j.core.testing.SimulatedJudge} is a judge without a model, for dry runs, benchmarks
 * and tests: an {@link dev.grm4j.core.backend.LlmBackend} whose accuracy, position bias,
 * malformed-output rate and latency are knobs, right or wrong against a
 * {@link dev.grm4j.core.testing.GroundTruth}. {@link dev.grm4j.core.testing.SimulatedJudgeServer}
 * serves it as an OpenAI-compatible chat completions endpoint on loopback (on the JDK's
 * {@code com.sun.net.httpserver}), with capacity limits and injected
 * {@link dev.grm4j.core.testing.Fault}s, so that real HTTP clients can be tested against it.
 */
package dev.grm4j.core.testing;
