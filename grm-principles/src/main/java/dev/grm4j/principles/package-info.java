/**
 * Principles as a swappable part of the pipeline, and the SPCT training tools.
 *
 * <ul>
 *   <li>{@link dev.grm4j.principles.PrincipleStrategy}: where the judge's principles come from
 *       (self-generated, generated once per prompt and cached, or the caller's: a list, a shipped
 *       preset, a file), plugged into any {@link dev.grm4j.core.PointwiseGrm} with
 *       {@link dev.grm4j.principles.PrincipledGrm}, so voting and RL reward loops use them unchanged;</li>
 *   <li>{@link dev.grm4j.principles.Principles}: reading principle lists and normalizing their weights;</li>
 *   <li>{@link dev.grm4j.principles.SpctReward}: the rule reward of SPCT's online RL (Eq. 11);</li>
 *   <li>{@link dev.grm4j.principles.RftSampler}: rejective fine-tuning data (Eq. 10, hinted sampling).</li>
 * </ul>
 */
@NullMarked
package dev.grm4j.principles;

import org.jspecify.annotations.NullMarked;
