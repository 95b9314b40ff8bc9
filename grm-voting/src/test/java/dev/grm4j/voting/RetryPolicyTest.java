package dev.grm4j.voting;

import dev.grm4j.core.backend.BackendConnectException;
import dev.grm4j.core.backend.BackendException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failures are tried again, and when: the one rule every command's retry layer follows. */
class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 0);

    private static BackendException http(int status, boolean retriable, Duration retryAfter) {
        return new BackendException("HTTP " + status, null, retriable, OptionalInt.of(status),
                Optional.ofNullable(retryAfter));
    }

    @Test
    void a_retriable_failure_waits_the_doubling_backoff() {
        assertThat(policy.retryWait(1, http(503, true, null), 0.5)).hasValue(Duration.ofMillis(100));
        assertThat(policy.retryWait(2, http(503, true, null), 0.5)).hasValue(Duration.ofMillis(200));
    }

    @Test
    void retry_after_is_never_cut_short_by_the_backoff() {
        assertThat(policy.retryWait(1, http(429, true, Duration.ofSeconds(2)), 0.5)).hasValue(Duration.ofSeconds(2));
    }

    @Test
    void the_last_attempt_is_not_retried() {
        assertThat(policy.retryWait(3, http(503, true, null), 0.5)).isEmpty();
    }

    @Test
    void a_failure_no_retry_can_pass_is_not_retried() {
        assertThat(policy.retryWait(1, http(401, false, null), 0.5)).isEmpty();
        assertThat(policy.retryWait(1, new IllegalStateException("a bug"), 0.5)).isEmpty();
        assertThat(policy.retryWait(1, null, 0.5)).isEmpty();
    }

    @Test
    void a_refused_connection_and_a_callers_timeout_are_retried() {
        assertThat(policy.retryWait(1, new BackendConnectException("could not connect", null), 0.5)).isPresent();
        assertThat(policy.retryWait(1, new TimeoutException("no answer"), 0.5)).isPresent();
    }
}
