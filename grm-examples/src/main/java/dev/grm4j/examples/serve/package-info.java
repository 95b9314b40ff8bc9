/**
 * {@code grm serve}: the reward server. OpenRLHF's remote reward contract ({@code POST /get_reward}),
 * the native scoring API ({@code POST /v1/score}), health and metrics, on the JDK's HTTP server.
 */
package dev.grm4j.examples.serve;
