/**
 * {@code grm bench}: throughput and CPU per sample against the simulated judge, served by a child JVM
 * ({@code grm sim-server}, {@code SimServerProcess}) so that the server's CPU is not counted.
 */
package dev.grm4j.examples.bench;
