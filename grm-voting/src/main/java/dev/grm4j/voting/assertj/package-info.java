/**
 * AssertJ assertions over votes, for test suites that guard prompts, models and retrieval with
 * JUnit: {@code GrmAssertions.assertThat(result).prefers(0).hasAgreementAtLeast(0.75)}. A failure
 * quotes the principles and critiques of the samples that disagreed, so a red test explains itself.
 *
 * <p>AssertJ is an optional dependency of grm-voting: a project that uses this package brings its own
 * {@code org.assertj:assertj-core} (3.x) in test scope.
 */
@NullMarked
package dev.grm4j.voting.assertj;

import org.jspecify.annotations.NullMarked;
