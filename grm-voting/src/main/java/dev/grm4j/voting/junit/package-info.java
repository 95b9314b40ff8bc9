/**
 * A JUnit 5 extension that records every vote a test class makes and writes them as one
 * self-contained HTML report, with each vote's reproducibility record: {@link
 * dev.grm4j.voting.junit.GrmReportExtension}.
 *
 * <p>JUnit Jupiter is an optional dependency of grm-voting: a project that uses this package brings its
 * own {@code org.junit.jupiter:junit-jupiter} (5.x or 6.x) in test scope.
 */
@NullMarked
package dev.grm4j.voting.junit;

import org.jspecify.annotations.NullMarked;
