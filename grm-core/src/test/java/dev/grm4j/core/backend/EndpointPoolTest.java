package dev.grm4j.core.backend;

import dev.grm4j.core.backend.EndpointPool.Endpoint;
import dev.grm4j.core.backend.EndpointPool.Result;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Endpoint choice and cooldowns, on a fake clock and without the network. */
class EndpointPoolTest {

    private static final long COOLDOWN = Duration.ofSeconds(30).toNanos();

    // Near the wrap-around point of nanoTime, so that comparisons by difference are exercised.
    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(45).toNanos());
    private final EndpointPool pool = new EndpointPool(List.of("http://a/v1", "http://b/v1"), COOLDOWN, 3, clock::get);

    private Endpoint a() {
        return endpoint("http://a/v1");
    }

    private Endpoint endpoint(String baseUrl) {
        for (int i = 0; i < 4; i++) {
            Endpoint candidate = pool.acquire();
            pool.release(candidate, Result.ABANDONED);
            if (candidate.baseUrl.equals(baseUrl)) {
                return candidate;
            }
        }
        throw new AssertionError("never picked " + baseUrl);
    }

    private void fail(Endpoint endpoint, int times) {
        for (int i = 0; i < times; i++) {
            pool.release(endpoint, Result.FAILED);
        }
    }

    private boolean coolingDown(int index) {
        return pool.snapshot().get(index).coolingDown();
    }

    @Test
    void calls_go_to_the_endpoint_with_the_fewest_in_flight() {
        Endpoint busy = pool.acquire();
        Endpoint idle = pool.acquire();
        pool.release(idle, Result.SUCCESS);

        for (int i = 0; i < 4; i++) {
            Endpoint chosen = pool.acquire();
            pool.release(chosen, Result.SUCCESS);
            assertThat(chosen).isSameAs(idle).isNotSameAs(busy);
        }
        assertThat(pool.snapshot()).extracting(OpenAiCompatibleBackend.EndpointStatus::inFlight)
                .containsExactlyInAnyOrder(1, 0);
    }

    @Test
    void ties_go_round_robin_so_sequential_calls_spread() {
        Endpoint one = pool.acquire();
        pool.release(one, Result.SUCCESS);
        Endpoint two = pool.acquire();
        pool.release(two, Result.SUCCESS);
        Endpoint three = pool.acquire();
        pool.release(three, Result.SUCCESS);

        assertThat(two).isNotSameAs(one);
        assertThat(three).isSameAs(one);
        assertThat(pool.snapshot()).allSatisfy(status -> assertThat(status.inFlight()).isZero());
    }

    @Test
    void an_endpoint_is_set_aside_after_consecutive_failures_and_calls_go_elsewhere() {
        Endpoint a = a();

        fail(a, 2);
        assertThat(coolingDown(0)).isFalse();
        fail(a, 1);

        assertThat(coolingDown(0)).isTrue();
        for (int i = 0; i < 10; i++) {
            Endpoint chosen = pool.acquire();
            assertThat(chosen.baseUrl).isEqualTo("http://b/v1");
            pool.release(chosen, Result.SUCCESS);
        }
    }

    @Test
    void an_answer_in_between_breaks_the_streak_even_a_429() {
        Endpoint a = a();

        fail(a, 2);
        pool.release(a, Result.REJECTED);
        fail(a, 2);

        assertThat(coolingDown(0)).isFalse();
        assertThat(pool.snapshot().get(0).failures()).isEqualTo(5);
    }

    @Test
    void after_the_cooldown_one_probe_goes_out_and_its_answer_brings_the_endpoint_back() {
        Endpoint a = a();
        fail(a, 3);
        clock.addAndGet(COOLDOWN - 1);
        assertThat(pool.acquire().baseUrl).isEqualTo("http://b/v1");

        clock.addAndGet(1);
        Endpoint probe = pool.acquire();
        Endpoint next = pool.acquire();

        assertThat(probe).isSameAs(a);
        assertThat(next.baseUrl).as("one probe per cooldown").isEqualTo("http://b/v1");
        pool.release(probe, Result.SUCCESS);
        assertThat(coolingDown(0)).isFalse();
    }

    @Test
    void a_failed_probe_sets_the_endpoint_aside_for_another_cooldown() {
        Endpoint a = a();
        fail(a, 3);
        clock.addAndGet(COOLDOWN);

        Endpoint probe = pool.acquire();
        pool.release(probe, Result.FAILED);

        assertThat(probe).isSameAs(a);
        assertThat(coolingDown(0)).isTrue();
        clock.addAndGet(COOLDOWN - 1);
        assertThat(pool.acquire().baseUrl).isEqualTo("http://b/v1");
        clock.addAndGet(1);
        assertThat(pool.acquire()).isSameAs(a);
    }

    @Test
    void when_every_endpoint_is_set_aside_calls_go_to_the_one_whose_cooldown_ends_first() {
        Endpoint a = a();
        Endpoint b = endpoint("http://b/v1");
        fail(a, 3);
        clock.addAndGet(Duration.ofSeconds(5).toNanos());
        fail(b, 3);

        for (int i = 0; i < 4; i++) {
            Endpoint chosen = pool.acquire();
            pool.release(chosen, Result.ABANDONED);
            assertThat(chosen).isSameAs(a);
        }
    }

    @Test
    void a_single_endpoint_set_aside_is_still_called() {
        EndpointPool single = new EndpointPool(List.of("http://only/v1"), COOLDOWN, 1, clock::get);
        Endpoint only = single.acquire();
        single.release(only, Result.FAILED);

        assertThat(single.snapshot().get(0).coolingDown()).isTrue();
        assertThat(single.acquire()).isSameAs(only);
    }

    @Test
    void abandoned_calls_count_neither_as_failures_nor_as_answers() {
        Endpoint a = a();
        fail(a, 2);

        pool.release(pool.acquire(), Result.ABANDONED);
        fail(a, 1);

        assertThat(coolingDown(0)).isTrue();
        assertThat(pool.snapshot().get(0).failures()).isEqualTo(3);
    }
}
