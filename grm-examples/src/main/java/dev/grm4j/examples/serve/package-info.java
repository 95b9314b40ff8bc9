/**
 * {@code grm serve}: the reward server. OpenRLHF's remote reward contract ({@code POST /get_reward}),
 * the native scoring API ({@code POST /v1/score}), the SPCT rule reward, health and metrics, on Jetty's
 * non-blocking HTTP server (its core API, no servlets).
 */
package dev.grm4j.examples.serve;
