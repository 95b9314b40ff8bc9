/**
 * Inference-time scaling by voting (DeepSeek-GRM): k judgements of one request, each with its own
 * seeded shuffle of the responses, mapped back to the request's order and summed. Failed samples
 * never vote; below the quorum the result is a typed failure. One bounded limit on calls in flight
 * is shared by every request of a {@link dev.grm4j.voting.VotingGrm}.
 *
 * <p>Entry point: {@link dev.grm4j.voting.VotingGrm#builder(dev.grm4j.core.PointwiseGrm)}. A
 * {@link dev.grm4j.voting.VotingListener} hears of every sample a voting model sends, for metrics.
 */
@NullMarked
package dev.grm4j.voting;

import org.jspecify.annotations.NullMarked;
