package dev.grm4j.voting;

/** What became of one voted request. */
public enum VoteStatus {
    /** At least the quorum of samples were scored; the totals and the best response stand. */
    VOTED,
    /** Fewer valid samples than the quorum: no score is reported, only the samples and why they failed. */
    NO_QUORUM,
    /** The request itself was rejected (e.g. more responses than the model allows); no call was made. */
    INVALID_REQUEST
}
