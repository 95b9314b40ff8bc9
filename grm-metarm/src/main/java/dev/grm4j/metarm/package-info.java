/**
 * Meta reward models and MetaRM@k, the paper's best configuration: a second model rates every sampled
 * judgement with how likely it is correct, and only the top k_meta samples vote.
 *
 * <ul>
 *   <li>{@link dev.grm4j.metarm.MetaRewardModel}: rates the samples of one request. Three kinds:
 *       {@link dev.grm4j.metarm.LogisticMetaRm} (trained here, on recorded trajectories),
 *       {@link dev.grm4j.metarm.MetaRewardModel#llmJudge an LLM meta judge} and
 *       {@link dev.grm4j.metarm.MetaRewardModel#remote a remote scalar meta RM} over HTTP.</li>
 *   <li>{@link dev.grm4j.metarm.MetaGuidedVoting}: votes k samples, rates them, keeps the top k_meta
 *       and votes over those by the rules of {@code grm-voting}; a failing meta RM leaves the request to
 *       plain voting, recorded in the {@link dev.grm4j.metarm.MetaVoteResult}.</li>
 *   <li>{@link dev.grm4j.metarm.TrajectoryRecord}, {@link dev.grm4j.metarm.TrajectoryRecord.TrajectoryWriter},
 *       {@link dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader}: one JSON line per sampled judgement with its paper
 *       Eq. 10 label, the training input of meta RMs.</li>
 * </ul>
 *
 * <p>Run-time failures are {@link dev.grm4j.metarm.MetaRatingException} (a meta RM could not rate) and
 * {@link dev.grm4j.metarm.LogisticMetaRm.MetaRmFormatException} (a file could not be read), both
 * {@link dev.grm4j.core.GrmException}s.
 */
@NullMarked
package dev.grm4j.metarm;

import org.jspecify.annotations.NullMarked;
