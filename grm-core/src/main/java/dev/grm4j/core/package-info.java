/**
 * The pointwise generative reward model (DeepSeek-GRM): a request of one conversation and 1..N
 * candidate responses goes in; a {@link dev.grm4j.core.Judgement} of principles, a critique and
 * one integer score per response comes out, or a typed failure.
 *
 * <p>Entry point: {@link dev.grm4j.core.PointwiseGrm#builder(dev.grm4j.core.backend.LlmBackend)}.
 * Every type here is immutable and thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.grm4j.core;

import org.jspecify.annotations.NullMarked;
