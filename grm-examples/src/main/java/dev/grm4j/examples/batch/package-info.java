/**
 * Batch work over JSON lines, shared by {@code score}, {@code eval} and {@code rft}: reading benchmark items
 * ({@code BenchmarkItem}, {@code JsonlLines}), writing results in input order ({@code OrderedWindow},
 * {@code JsonlWriter}), resuming ({@code ResumeScan}), the per-item calls and deadline ({@code ItemCalls}),
 * the judge and its health ({@code Judge}, {@code JudgeWatch}) and the run summary.
 */
package dev.grm4j.examples.batch;
