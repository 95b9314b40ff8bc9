package dev.grm4j.core.backend;

import dev.grm4j.core.backend.OpenAiCompatibleBackend.EndpointStatus;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.baseUrl;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.closedPort;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judge;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judgePrompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A pool of servers over real loopback HTTP; cooldowns run on a fake clock. */
@Timeout(30)
class OpenAiCompatibleBackendPoolTest {

    private static final Duration COOLDOWN = Duration.ofSeconds(30);

    private final List<SimulatedJudgeServer> servers = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong();

    @AfterEach
    void closeServers() {
        servers.forEach(SimulatedJudgeServer::close);
    }

    private SimulatedJudgeServer server(Duration latency, int port) {
        SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge(latency)).port(port).build().start();
        servers.add(server);
        return server;
    }

    private OpenAiCompatibleBackend pool(String... baseUrls) {
        return OpenAiCompatibleBackend.builder().baseUrls(List.of(baseUrls)).modelName("simulated-judge")
                .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(10))
                .cooldown(COOLDOWN).failuresBeforeCooldown(3).ticker(clock::get).build();
    }

    /** Sends one call and waits; true if it was answered. */
    private static boolean call(OpenAiCompatibleBackend backend) {
        try {
            backend.complete(judgePrompt());
            return true;
        } catch (BackendException e) {
            assertThat(e.isRetriable()).as(e.getMessage()).isTrue();
            return false;
        }
    }

    private static EndpointStatus status(OpenAiCompatibleBackend backend, int index) {
        return backend.endpoints().get(index);
    }

    @Test
    void concurrent_calls_are_spread_over_the_servers() {
        SimulatedJudgeServer first = server(Duration.ofMillis(100), 0);
        SimulatedJudgeServer second = server(Duration.ofMillis(100), 0);
        OpenAiCompatibleBackend backend = pool(first.baseUrl(), second.baseUrl());

        List<CompletableFuture<Completion>> calls = IntStream.range(0, 40)
                .mapToObj(i -> backend.completeAsync(judgePrompt())).toList();
        calls.forEach(CompletableFuture::join);

        assertThat(first.requestCount()).isGreaterThanOrEqualTo(10);
        assertThat(second.requestCount()).isGreaterThanOrEqualTo(10);
        assertThat(first.requestCount() + second.requestCount()).isEqualTo(40);
        assertThat(backend.endpoints()).allSatisfy(endpoint -> {
            assertThat(endpoint.inFlight()).isZero();
            assertThat(endpoint.failures()).isZero();
        });
    }

    @Test
    void a_dead_server_is_set_aside_then_probed_after_the_cooldown_and_brought_back() {
        SimulatedJudgeServer healthy = server(Duration.ZERO, 0);
        int deadPort = closedPort();
        OpenAiCompatibleBackend backend = pool(healthy.baseUrl(), baseUrl(deadPort));

        // given: calls alternate until the dead one has failed three times
        int failed = 0;
        for (int i = 0; i < 6; i++) {
            failed += call(backend) ? 0 : 1;
        }
        assertThat(failed).isEqualTo(3);
        assertThat(status(backend, 1).coolingDown()).isTrue();
        assertThat(status(backend, 1).failures()).isEqualTo(3);

        // when: more calls come in during the cooldown, they all go to the healthy server
        long healthyBefore = healthy.requestCount();
        for (int i = 0; i < 10; i++) {
            assertThat(call(backend)).isTrue();
        }
        assertThat(healthy.requestCount() - healthyBefore).isEqualTo(10);
        assertThat(status(backend, 1).calls()).isEqualTo(3);

        // when: the server comes back and the cooldown has passed
        SimulatedJudgeServer revived = server(Duration.ZERO, deadPort);
        clock.addAndGet(COOLDOWN.toNanos());
        assertThat(call(backend)).isTrue();

        // then: the next call was its probe, and it takes calls again
        assertThat(revived.requestCount()).isEqualTo(1);
        assertThat(status(backend, 1).coolingDown()).isFalse();
        for (int i = 0; i < 4; i++) {
            assertThat(call(backend)).isTrue();
        }
        assertThat(revived.requestCount()).isEqualTo(3);
    }

    @Test
    void a_probe_that_fails_sets_the_server_aside_again() {
        SimulatedJudgeServer healthy = server(Duration.ZERO, 0);
        OpenAiCompatibleBackend backend = pool(healthy.baseUrl(), baseUrl(closedPort()));
        for (int i = 0; i < 6; i++) {
            call(backend);
        }
        assertThat(status(backend, 1).coolingDown()).isTrue();

        clock.addAndGet(COOLDOWN.toNanos());
        boolean probeAnswered = call(backend);

        assertThat(probeAnswered).isFalse();
        assertThat(status(backend, 1).calls()).isEqualTo(4);
        assertThat(status(backend, 1).coolingDown()).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(call(backend)).isTrue();
        }
        assertThat(status(backend, 1).calls()).isEqualTo(4);
    }

    @Test
    void when_every_server_is_set_aside_calls_still_go_out_and_fail_as_connection_errors() {
        OpenAiCompatibleBackend backend = pool(baseUrl(closedPort()), baseUrl(closedPort()));
        for (int i = 0; i < 6; i++) {
            call(backend);
        }
        assertThat(backend.endpoints()).allSatisfy(endpoint -> assertThat(endpoint.coolingDown()).isTrue());

        assertThatThrownBy(() -> backend.complete(judgePrompt()))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.getMessage()).contains("could not connect to");
                });
        assertThat(backend.endpoints()).extracting(EndpointStatus::calls).containsExactlyInAnyOrder(3L, 4L);
    }

    @Test
    void rate_limits_do_not_set_a_server_aside() {
        try (OpenAiCompatibleTestSupport.StubServer limited = OpenAiCompatibleTestSupport.StubServer.answering(429,
                "{\"error\":{\"message\":\"slow down\"}}", "Retry-After", "1")) {
            OpenAiCompatibleBackend backend = pool(limited.baseUrl());

            for (int i = 0; i < 5; i++) {
                assertThat(call(backend)).isFalse();
            }

            assertThat(status(backend, 0).coolingDown()).isFalse();
            assertThat(status(backend, 0).failures()).isEqualTo(5);
        }
    }
}
