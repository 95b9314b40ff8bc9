package dev.grm4j.voting.assertj;

import dev.grm4j.voting.VoteResult;

/**
 * The entry point of grm4j's AssertJ assertions; import it statically beside AssertJ's own
 * {@code Assertions.assertThat} (the overloads do not clash).
 *
 * <pre>{@code
 * import static dev.grm4j.voting.assertj.GrmAssertions.assertThat;
 *
 * assertThat(voting.vote(request)).prefers(0).hasAgreementAtLeast(0.75);
 * }</pre>
 */
public final class GrmAssertions {

    private GrmAssertions() {
    }

    /**
     * Assertions over one vote.
     *
     * @param actual the vote to check; a null one fails every assertion but {@code isNull()}
     */
    public static VoteAssert assertThat(VoteResult actual) {
        return new VoteAssert(actual);
    }
}
