package dev.grm4j.voting;

import dev.grm4j.core.Outcome;
import dev.grm4j.core.TokenUsage;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link VotingGrm} tells about the samples it sends, for metrics and tracing: set one with
 * {@link VotingGrm.Builder#listener(VotingListener)}. Every method has a default that does nothing, so
 * a listener overrides only what it needs.
 *
 * <p><b>One started, one finished, per attempt.</b> Each time a sample goes to the backend (its first
 * attempt, and each retry) it gets one {@link #sampleStarted} once its call holds its permits, and one
 * {@link #sampleFinished} when that call answers, fails or times out. A retried attempt finishes with
 * {@link SampleFinished#willRetry()} true; the sample's last attempt with false, and that event comes
 * before the vote's future completes. So, for a server's metrics: samples by outcome are the finished
 * events that will not retry; retries, those that will; tokens, the sum over all finished events (every
 * attempt was billed); in flight, started minus finished. The limit's own gauges are
 * {@link VotingGrm#inFlight()} and {@link VotingGrm#queued()}: a sample waiting for a permit has no event,
 * since a vote cancelled then drops it unsent.
 *
 * <p><b>A vote that ends early.</b> When a vote is cancelled or reaches its deadline, a sample that was
 * waiting for a permit or a retry never goes out and gets no further event (after a retried attempt,
 * its {@code willRetry} stays the last word). A sample whose call is out when its vote is cancelled
 * finishes when that call comes back, which the call timeout bounds; one out at the deadline finishes
 * then, as {@link Outcome#BACKEND_ERROR}, since its call times out with the deadline. Either event may
 * come just after the vote's future completed.
 *
 * <p><b>Threads.</b> The methods run on the voting model's executor and on the backend's threads, for
 * many samples at once: a listener must be thread-safe, and quick, since a call waits for its started
 * events. Events of one sample are ordered: each attempt's started before its finished, before the next
 * attempt's started. A listener that throws never breaks a vote: the first failure is logged at WARN,
 * later ones at DEBUG, and the vote carries on.
 *
 * <pre>{@code
 * LongAdder tokens = new LongAdder();
 * VotingGrm voting = VotingGrm.builder(grm).listener(new VotingListener() {
 *     @Override
 *     public void sampleFinished(VotingListener.SampleFinished event) {
 *         tokens.add(event.usage().totalTokens());
 *     }
 * }).build();
 * }</pre>
 */
public interface VotingListener {

    /** Called when a call carrying the sample, holding its permits, is about to go to the backend. */
    default void sampleStarted(SampleStarted event) {
    }

    /** Called when the call carrying the sample answered, failed or timed out. */
    default void sampleFinished(SampleFinished event) {
    }

    /**
     * One attempt of a sample goes to the backend.
     *
     * @param vote          the vote the sample belongs to: votes of one voting model (its
     *                      {@link VotingGrm#withAdaptive} views included) are numbered from 0 in the order
     *                      they were asked for, so that a tracer can tell two votes' sample 0 apart
     * @param sample        the sample's index in its vote, 0..k-1: its place in {@link VoteResult#samples()} of
     *                      a full vote, and {@link VoteResult.VoteRecord.Sample#index()}
     * @param attempt       1 for the first attempt, 2 for the first retry, and so on
     * @param samplesInCall the samples the call carries, this one included: n for a call of n completions
     *                      ({@link VotingGrm.Builder#samplesPerCall(int)}), else 1
     */
    record SampleStarted(long vote, int sample, int attempt, int samplesInCall) {

        public SampleStarted {
            requireEvent(vote, sample, attempt);
            if (samplesInCall < 1) {
                throw new IllegalArgumentException("samplesInCall must be >= 1, was " + samplesInCall);
            }
        }
    }

    /**
     * One attempt of a sample came back.
     *
     * @param vote      as in {@link SampleStarted#vote()}
     * @param sample    as in {@link SampleStarted#sample()}
     * @param attempt   as in {@link SampleStarted#attempt()}
     * @param outcome   what the attempt gave; a call that failed or timed out is {@link Outcome#BACKEND_ERROR}
     * @param usage     the tokens of this sample as the backend reported them ({@code Judgement.usage()}),
     *                  zero for a failed call
     * @param latency   the wall time of the call that carried the sample, from sending it to its answer
     *                  or its timeout, by the builder's {@link VotingGrm.Builder#ticker ticker}; the same
     *                  for every sample of one call
     * @param willRetry whether the sample is sent again: a retriable failure with attempts and time
     *                  left. False on the sample's last attempt, whose outcome and usage the vote reports
     *                  (unless the deadline closed the sample while its call was out)
     */
    record SampleFinished(long vote, int sample, int attempt, Outcome outcome, TokenUsage usage, Duration latency,
                          boolean willRetry) {

        public SampleFinished {
            requireEvent(vote, sample, attempt);
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(usage, "usage");
            Objects.requireNonNull(latency, "latency");
            if (latency.isNegative()) {
                throw new IllegalArgumentException("latency must not be negative, was " + latency);
            }
        }
    }

    private static void requireEvent(long vote, int sample, int attempt) {
        if (vote < 0) {
            throw new IllegalArgumentException("vote must be >= 0, was " + vote);
        }
        if (sample < 0) {
            throw new IllegalArgumentException("sample must be >= 0, was " + sample);
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
    }
}
