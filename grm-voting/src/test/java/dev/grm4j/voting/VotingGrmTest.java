package dev.grm4j.voting;

import dev.grm4j.voting.VotingGrm.Adaptive;
import dev.grm4j.voting.VoteResult.VoteRecord;
import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class VotingGrmTest {

    private static final Duration NO_LATENCY = Duration.ZERO;

    /** Scores a response by its length (capped to 10): the same for a response wherever it is shown. */
    private static ScriptedBackend lengthJudge(Duration latency) {
        return ScriptedBackend.scoring(latency, shown -> shown.stream().map(r -> Math.min(10, r.length())).toList());
    }

    @Test
    void sums_the_scores_of_every_sample_in_the_requests_order_whatever_the_permutations() {
        SplittableRandom random = new SplittableRandom(1);
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(8).build();

        for (int trial = 0; trial < 100; trial++) {
            int n = 1 + random.nextInt(5);
            List<String> responses = IntStream.range(0, n).mapToObj(i -> "x".repeat(1 + random.nextInt(10))
                    + "#" + i).toList();
            VoteResult result = VotingGrm.builder(voting.grm()).k(1 + random.nextInt(12)).seed(random.nextLong())
                    .build().vote(GrmRequest.of("q", responses));

            int k = result.samplesRequested();
            assertThat(result.status()).isEqualTo(VoteStatus.VOTED);
            assertThat(result.validSamples()).isEqualTo(k);
            assertThat(result.totals()).isEqualTo(responses.stream().map(r -> k * Math.min(10, r.length())).toList());
            assertThat(result.means()).isEqualTo(responses.stream().map(r -> (double) Math.min(10, r.length())).toList());
            assertThat(result.variances()).allSatisfy(variance -> assertThat(variance).isZero());
            for (Judgement sample : result.samples()) {
                assertThat(sample.order()).containsExactlyInAnyOrderElementsOf(IntStream.range(0, n).boxed().toList());
            }
        }
    }

    @Test
    void each_sample_presents_its_own_seeded_shuffle() {
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(32).seed(5).build();

        VoteResult result = voting.vote(GrmRequest.of("q", "a", "bb", "ccc", "dddd"));

        Set<List<Integer>> distinct = new HashSet<>(result.permutations());
        assertThat(distinct.size()).isGreaterThan(10);
        assertThat(voting.vote(GrmRequest.of("q", "a", "bb", "ccc", "dddd")).permutations())
                .isEqualTo(result.permutations());
    }

    @Test
    void without_shuffling_every_sample_sees_the_request_order() {
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(6)
                .shuffle(false).build();

        assertThat(voting.vote(GrmRequest.of("q", "a", "bb", "ccc")).permutations())
                .containsOnly(List.of(0, 1, 2));
    }

    @Test
    void reports_histograms_variance_and_agreement() {
        AtomicInteger call = new AtomicInteger();
        // Samples alternate between preferring response 0 (9 vs 2) and response 1 (4 vs 6).
        ScriptedBackend judge = ScriptedBackend.answering(NO_LATENCY, request -> {
            List<String> shown = ScriptedBackend.shown(request);
            boolean first = Math.floorMod(request.sampling().seed().getAsLong(), 2) == 0;
            List<Integer> scores = shown.stream().map(r -> r.equals("zero") ? (first ? 9 : 4) : (first ? 2 : 6)).toList();
            call.incrementAndGet();
            return new Completion(ScriptedBackend.output(scores), TokenUsage.of(10, 5), FinishReason.STOP);
        });
        VoteResult result = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(16).seed(3).build()
                .vote(GrmRequest.of("q", "zero", "one"));

        int firstKind = (int) result.samples().stream().filter(s -> s.scores().get(0) == 9).count();
        assertThat(result.histograms().get(0).get(9 - 1)).isEqualTo(firstKind);
        assertThat(result.histograms().get(0).get(4 - 1)).isEqualTo(16 - firstKind);
        assertThat(result.totals()).containsExactly(9 * firstKind + 4 * (16 - firstKind), 2 * firstKind + 6 * (16 - firstKind));
        double mean0 = result.means().get(0);
        assertThat(result.variances().get(0))
                .isCloseTo((firstKind * Math.pow(9 - mean0, 2) + (16 - firstKind) * Math.pow(4 - mean0, 2)) / 16, within(1e-9));
        double expectedAgreement = (result.best() == 0 ? firstKind : 16 - firstKind) / 16.0;
        assertThat(result.agreement()).isCloseTo(expectedAgreement, within(1e-9));
        assertThat(result.usage()).isEqualTo(TokenUsage.of(160, 80));
    }

    @Test
    void ties_between_totals_are_broken_uniformly_and_reported() {
        ScriptedBackend allSevens = ScriptedBackend.scoring(NO_LATENCY, shown -> shown.stream().map(r -> 7).toList());
        PointwiseGrm grm = PointwiseGrm.builder(allSevens).build();
        int[] wins = new int[3];
        int votes = 3000;
        for (int seed = 0; seed < votes; seed++) {
            VoteResult result = VotingGrm.builder(grm).k(2).seed(seed).build().vote(GrmRequest.of("q", "a", "b", "c"));
            assertThat(result.tieBroken()).isTrue();
            assertThat(result.tied()).containsExactly(0, 1, 2);
            wins[result.best()]++;
        }

        for (int win : wins) {
            assertThat(win / (double) votes).isCloseTo(1 / 3.0, within(0.04));
        }
    }

    @Test
    void failed_samples_never_vote_and_below_the_quorum_there_is_no_score() {
        AtomicInteger call = new AtomicInteger();
        ScriptedBackend mostlyBroken = ScriptedBackend.answering(NO_LATENCY, request -> {
            int n = call.getAndIncrement();
            String text = n % 4 == 0 ? ScriptedBackend.output(List.of(9, 1)) : "I refuse to score these.";
            return new Completion(text, TokenUsage.of(10, 5), FinishReason.STOP);
        });

        VoteResult result = VotingGrm.builder(PointwiseGrm.builder(mostlyBroken).build()).k(8).build()
                .vote(GrmRequest.of("q", "a", "b"));

        assertThat(result.status()).isEqualTo(VoteStatus.NO_QUORUM);
        assertThat(result.quorum()).isEqualTo(5);
        assertThat(result.validSamples()).isEqualTo(2);
        assertThat(result.samples()).hasSize(8);
        assertThat(result.outcomes()).containsEntry(Outcome.UNPARSEABLE, 6).containsEntry(Outcome.SCORED, 2);
        assertThat(result.failure()).get().asString().startsWith("only 2 of 8 samples were valid, quorum is 5: 6 UNPARSEABLE");
        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(result::totals);
    }

    @Test
    void the_valid_samples_alone_make_the_totals() {
        AtomicInteger call = new AtomicInteger();
        ScriptedBackend someBroken = ScriptedBackend.answering(NO_LATENCY, request -> {
            boolean broken = call.getAndIncrement() % 3 == 0;
            return new Completion(broken ? "Scores: \\boxed{10}" : ScriptedBackend.output(List.of(5, 5)),
                    TokenUsage.ZERO, FinishReason.STOP);
        });

        VoteResult result = VotingGrm.builder(PointwiseGrm.builder(someBroken).build()).k(9).build()
                .vote(GrmRequest.of("q", "a", "b"));

        assertThat(result.validSamples()).isEqualTo(6);
        assertThat(result.totals()).containsExactly(30, 30);
    }

    @Test
    void one_limit_bounds_the_calls_in_flight_over_every_request() {
        ScriptedBackend judge = lengthJudge(Duration.ofMillis(20));
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(8).maxConcurrency(5).build();

        List<VoteResult> results = voting.voteAll(IntStream.range(0, 40)
                .mapToObj(i -> GrmRequest.of("q" + i, "a", "bb")).toList());

        assertThat(results).allSatisfy(result -> assertThat(result.isVoted()).isTrue());
        assertThat(judge.calls().size()).isEqualTo(320);
        assertThat(judge.maxInFlight()).isEqualTo(5);
        assertThat(voting.inFlight()).isZero();
    }

    @Test
    void a_batch_keeps_input_order_with_failures_mixed_in() {
        ScriptedBackend judge = ScriptedBackend.scoring(Duration.ofMillis(1), shown ->
                shown.contains("poison") ? List.of() : shown.stream().map(String::length).map(l -> Math.min(l, 10)).toList());
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).maxResponses(3).build()).k(4).build();
        List<GrmRequest> requests = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            requests.add(switch (i % 3) {
                case 0 -> GrmRequest.of("q" + i, "a", "bbb");
                case 1 -> GrmRequest.of("q" + i, "a", "b", "c", "d");
                default -> GrmRequest.of("q" + i, "poison", "bb");
            });
        }

        List<VoteResult> results = voting.voteAll(requests);

        assertThat(results).hasSize(30);
        for (int i = 0; i < 30; i++) {
            VoteResult result = results.get(i);
            switch (i % 3) {
                case 0 -> assertThat(result.totals()).containsExactly(4, 12);
                case 1 -> {
                    assertThat(result.status()).isEqualTo(VoteStatus.INVALID_REQUEST);
                    assertThat(result.failure()).hasValue("responses has 4 items, more than maxResponses 3");
                }
                default -> assertThat(result.status()).isEqualTo(VoteStatus.NO_QUORUM);
            }
        }
    }

    @Test
    void the_same_seed_gives_the_same_result_whatever_the_interleaving() {
        GroundTruth truth = GroundTruth.create();
        List<GrmRequest> requests = IntStream.range(0, 60).mapToObj(i -> {
            List<String> responses = List.of("answer A" + i, "answer B" + i, "answer C" + i);
            truth.register(responses, i % 3);
            return GrmRequest.of("question " + i, responses);
        }).toList();
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.6).positionBias(0.2).malformedRate(0.1)
                .groundTruth(truth).seed(9).latency(Duration.ofMillis(2)).build();
        PointwiseGrm grm = PointwiseGrm.builder(judge).build();

        List<VoteResult> concurrent = VotingGrm.builder(grm).k(8).seed(77).maxConcurrency(64).build().voteAll(requests);
        List<VoteResult> sequential = new ArrayList<>();
        VotingGrm oneAtATime = VotingGrm.builder(grm).k(8).seed(77).maxConcurrency(1)
                .executor(Executors.newSingleThreadExecutor()).build();
        for (int i = requests.size() - 1; i >= 0; i--) {
            sequential.add(0, oneAtATime.vote(requests.get(i)));
        }

        for (int i = 0; i < requests.size(); i++) {
            assertThat(summary(concurrent.get(i))).isEqualTo(summary(sequential.get(i)));
        }
    }

    private static String summary(VoteResult result) {
        return result.status() + " " + result.permutations() + " "
                + result.samples().stream().map(s -> s.isScored() ? s.scores().toString() : s.outcome().name()).toList()
                + (result.isVoted() ? " " + result.totals() + " best " + result.best() : "");
    }

    @Test
    void retriable_failures_are_retried_and_others_are_not() {
        ConcurrentHashMap<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();
        ScriptedBackend flaky = ScriptedBackend.answering(NO_LATENCY, request -> {
            long seed = request.sampling().seed().getAsLong();
            if (attempts.computeIfAbsent(seed, s -> new AtomicInteger()).incrementAndGet() < 3) {
                throw new BackendException("HTTP 503: busy", null, true, OptionalInt.of(503), Optional.empty());
            }
            return new Completion(ScriptedBackend.output(List.of(8, 2)), TokenUsage.ZERO, FinishReason.STOP);
        });
        RetryPolicy quick = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5);

        VoteResult result = VotingGrm.builder(PointwiseGrm.builder(flaky).build()).k(4).retry(quick).build()
                .vote(GrmRequest.of("q", "a", "b"));

        assertThat(result.validSamples()).isEqualTo(4);
        assertThat(flaky.calls().size()).isEqualTo(12);

        ScriptedBackend rejecting = ScriptedBackend.answering(NO_LATENCY, request -> {
            throw new BackendException("HTTP 400: bad request", null, false, OptionalInt.of(400), Optional.empty());
        });
        VoteResult rejected = VotingGrm.builder(PointwiseGrm.builder(rejecting).build()).k(4).retry(quick).build()
                .vote(GrmRequest.of("q", "a", "b"));
        assertThat(rejecting.calls().size()).isEqualTo(4);
        assertThat(rejected.outcomes()).containsEntry(Outcome.BACKEND_ERROR, 4);
    }

    @Test
    void retry_waits_at_least_the_servers_retry_after() {
        RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1), 0.5);

        assertThat(policy.backoff(1, 0.0, Duration.ZERO)).isEqualTo(Duration.ofMillis(50));
        assertThat(policy.backoff(1, 0.999999, Duration.ZERO)).isBetween(Duration.ofMillis(149), Duration.ofMillis(150));
        assertThat(policy.backoff(3, 0.5, Duration.ZERO)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(9, 0.5, Duration.ZERO)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(1, 0.5, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void cancelling_a_vote_cancels_its_queued_samples() throws Exception {
        // The backend holds every call until the test answers it, and the engine runs on the test's
        // thread (a direct executor): the two calls that hold the permits are in flight when the vote is
        // cancelled, and answering them frees the permits before the test reads the counts. No sleep.
        Semaphore arrived = new Semaphore(0);
        List<Runnable> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean holding = new AtomicBoolean(true);
        ScriptedBackend gated = ScriptedBackend.recording(new LlmBackend() {
            @Override
            public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
                Completion answer = ScriptedBackend.reply(ScriptedBackend.output(
                        ScriptedBackend.shown(request).stream().map(r -> Math.min(10, r.length())).toList()));
                if (!holding.get()) {
                    return CompletableFuture.completedFuture(answer);
                }
                CompletableFuture<Completion> call = new CompletableFuture<>();
                answers.add(() -> call.complete(answer));
                arrived.release();
                return call;
            }

            @Override
            public String modelName() {
                return "gated";
            }
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(gated).build()).k(16).maxConcurrency(2)
                .executor(Runnable::run).build();

        CompletableFuture<VoteResult> vote = voting.voteAsync(GrmRequest.of("q", "a", "bb"));
        assertThat(arrived.tryAcquire(2, 5, TimeUnit.SECONDS)).isTrue();
        vote.cancel(true);
        holding.set(false);
        answers.forEach(Runnable::run);

        assertThat(gated.calls().size()).isEqualTo(2);
        assertThat(voting.inFlight()).isZero();
        VoteResult next = voting.vote(GrmRequest.of("q", "a", "bb"));
        assertThat(next.validSamples()).isEqualTo(16);
    }

    @Test
    void at_the_deadline_unfinished_samples_fail_and_the_vote_uses_what_came_back() {
        AtomicInteger call = new AtomicInteger();
        CountDownLatch unstick = new CountDownLatch(1);
        ScriptedBackend halfStuck = ScriptedBackend.answering(NO_LATENCY, request -> {
            if (call.getAndIncrement() % 2 == 1) {
                try {
                    unstick.await(10, TimeUnit.SECONDS); // stuck past the deadline, until the test ends
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Completion(ScriptedBackend.output(List.of(6, 3)), TokenUsage.ZERO, FinishReason.STOP);
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(halfStuck).build()).k(4).quorum(2).shuffle(false)
                .retry(RetryPolicy.none()).deadline(Duration.ofMillis(300))
                .executor(Executors.newCachedThreadPool()).build();

        VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));
        unstick.countDown();

        assertThat(result.samplesRun()).isEqualTo(4);
        assertThat(result.validSamples()).isEqualTo(2);
        assertThat(result.totals()).containsExactly(12, 6);
        assertThat(result.samples()).filteredOn(s -> !s.isScored())
                .allSatisfy(s -> assertThat(s.failure()).get().asString()
                        .isEqualTo("not done by the request deadline of 300 ms"));
    }

    @Test
    void a_sample_whose_retry_the_deadline_cuts_names_the_failure_it_was_retrying() {
        CountDownLatch unstick = new CountDownLatch(1);
        ConcurrentHashMap<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();
        ScriptedBackend refusingThenStuck = ScriptedBackend.answering(NO_LATENCY, request -> {
            if (attempts.computeIfAbsent(request.sampling().seed().getAsLong(), s -> new AtomicInteger())
                    .incrementAndGet() == 1) {
                throw new BackendException("HTTP 503: busy", null, true, OptionalInt.of(503), Optional.empty());
            }
            try {
                unstick.await(10, TimeUnit.SECONDS); // the retry outlives the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Completion(ScriptedBackend.output(List.of(6, 3)), TokenUsage.ZERO, FinishReason.STOP);
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(refusingThenStuck).build()).k(2).shuffle(false)
                .retry(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), 0))
                .deadline(Duration.ofMillis(300)).executor(Executors.newCachedThreadPool()).build();

        VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));
        unstick.countDown();

        assertThat(result.isVoted()).isFalse();
        assertThat(result.samples()).hasSize(2).allSatisfy(s -> assertThat(s.failure()).get().asString()
                .isEqualTo("not done by the request deadline of 300 ms; its last failed attempt: HTTP 503: busy"));
    }

    @Test
    void adaptive_stopping_never_changes_the_best_response() {
        GroundTruth truth = GroundTruth.create();
        SplittableRandom random = new SplittableRandom(4);
        List<GrmRequest> requests = IntStream.range(0, 150).mapToObj(i -> {
            List<String> responses = List.of("first " + i, "second " + i, "third " + i);
            truth.register(responses, random.nextInt(3));
            return GrmRequest.of("q" + i, responses);
        }).toList();
        PointwiseGrm grm = PointwiseGrm.builder(SimulatedJudge.builder().accuracy(0.85).groundTruth(truth)
                .seed(2).build()).build();

        List<VoteResult> all = VotingGrm.builder(grm).k(16).seed(8).build().voteAll(requests);
        List<VoteResult> adaptive = VotingGrm.builder(grm).k(16).seed(8).adaptive(Adaptive.EXACT).wave(1)
                .build().voteAll(requests);

        int spent = 0;
        for (int i = 0; i < requests.size(); i++) {
            assertThat(adaptive.get(i).best()).as("request %d", i).isEqualTo(all.get(i).best());
            if (adaptive.get(i).samplesRun() < 16) {
                assertThat(adaptive.get(i).tieBroken()).as("an early stop has a strict leader").isFalse();
            }
            spent += adaptive.get(i).samplesRun();
        }
        assertThat(spent).isLessThan(16 * requests.size());
    }

    @Test
    void auto_saves_more_samples_than_the_exact_rule_and_rarely_picks_another_winner() {
        GroundTruth truth = GroundTruth.create();
        List<GrmRequest> requests = IntStream.range(0, 100).mapToObj(i -> {
            List<String> responses = List.of("good " + i, "bad " + i);
            truth.register(responses, 0);
            return GrmRequest.of("q" + i, responses);
        }).toList();
        PointwiseGrm grm = PointwiseGrm.builder(SimulatedJudge.builder().accuracy(0.9).groundTruth(truth)
                .seed(2).build()).build();

        List<VoteResult> full = VotingGrm.builder(grm).k(32).build().voteAll(requests);
        List<VoteResult> exact = VotingGrm.builder(grm).k(32).adaptive(Adaptive.EXACT).build().voteAll(requests);
        List<VoteResult> auto = VotingGrm.builder(grm).k(32).adaptive(Adaptive.AUTO).build().voteAll(requests);

        int exactSpent = exact.stream().mapToInt(VoteResult::samplesRun).sum();
        int autoSpent = auto.stream().mapToInt(VoteResult::samplesRun).sum();
        assertThat(autoSpent).isLessThan(exactSpent).isLessThan(32 * requests.size() / 3);
        long changed = IntStream.range(0, requests.size()).filter(i -> auto.get(i).best() != full.get(i).best()).count();
        assertThat(changed).as("winners AUTO changed against Voting@32").isLessThanOrEqualTo(2);
        assertThat(auto).allSatisfy(result -> assertThat(result.samplesRun() % 4).as("whole waves").isZero());
    }

    @Test
    void an_adaptive_revote_of_a_full_run_decides_as_the_adaptive_vote_itself() {
        GroundTruth truth = GroundTruth.create();
        SplittableRandom random = new SplittableRandom(9);
        List<GrmRequest> requests = IntStream.range(0, 120).mapToObj(i -> {
            List<String> responses = List.of("one " + i, "two " + i);
            truth.register(responses, random.nextInt(2));
            return GrmRequest.of("q" + i, responses);
        }).toList();
        PointwiseGrm grm = PointwiseGrm.builder(SimulatedJudge.builder().accuracy(0.75).groundTruth(truth)
                .seed(5).build()).build();
        VotingGrm auto = VotingGrm.builder(grm).k(16).seed(3).adaptive(Adaptive.AUTO).build();
        VotingGrm full = VotingGrm.builder(grm).k(16).seed(3).build();

        List<VoteResult> ran = auto.voteAll(requests);
        List<VoteResult> all = full.voteAll(requests);

        for (int i = 0; i < requests.size(); i++) {
            VoteResult replayed = auto.revoteAdaptive(requests.get(i), all.get(i).samples(), 16);
            assertThat(replayed.samplesRun()).as("request %d", i).isEqualTo(ran.get(i).samplesRun());
            assertThat(replayed.totals()).as("request %d", i).isEqualTo(ran.get(i).totals());
            assertThat(replayed.best()).as("request %d", i).isEqualTo(ran.get(i).best());
        }
        assertThat(ran.stream().mapToInt(VoteResult::samplesRun).sum()).isLessThan(16 * requests.size());
        // Without an adaptive rule the replay is Voting@k over the first k samples.
        VoteResult eight = full.revoteAdaptive(requests.get(0), all.get(0).samples(), 8);
        assertThat(eight.samplesRun()).isEqualTo(8);
        assertThat(eight.totals()).isEqualTo(full.revote(requests.get(0), all.get(0).samples().subList(0, 8), 5).totals());
        assertThatIllegalArgumentException().isThrownBy(() -> auto.revoteAdaptive(requests.get(0), all.get(0).samples(), 17))
                .withMessageContaining("k must be in 1..16");
    }

    @Test
    void revote_over_a_prefix_equals_voting_that_many_samples_only_when_seeded_alike() {
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(8).build();
        GrmRequest request = GrmRequest.of("q", "a", "bbb");
        VoteResult eight = voting.vote(request);

        VoteResult four = voting.revote(request, eight.samples().subList(0, 4), 3);

        assertThat(four.totals()).containsExactly(4, 12);
        assertThat(four.samplesRun()).isEqualTo(4);
        assertThatIllegalArgumentException().isThrownBy(() -> voting.revote(request, eight.samples(), 9))
                .withMessageContaining("quorum must be in 1..8");
    }

    @Test
    void the_record_holds_what_a_rerun_needs_and_no_prompt() {
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(3).seed(12).build();
        GrmRequest request = GrmRequest.of("secret question", "a", "bbb");
        VoteResult result = voting.vote(request);

        VoteRecord record = voting.record(request, result);
        String json = record.toJson();

        assertThat(record.templateVersion()).isEqualTo("grm-v2");
        assertThat(record.model()).isEqualTo("scripted");
        assertThat(record.k()).isEqualTo(3);
        assertThat(record.votingSeed()).isEqualTo(12);
        assertThat(record.samples()).extracting(VoteRecord.Sample::order).isEqualTo(result.permutations());
        assertThat(record.totals()).isEqualTo(result.totals());
        assertThat(json).contains("\"templateVersion\":\"grm-v2\"", "\"samplingSeed\"", "\"outcome\":\"SCORED\"")
                .doesNotContain("secret question");
    }

    @Test
    void the_shared_prefix_is_reported() {
        VoteResult result = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(4).build()
                .vote(GrmRequest.of("q", "a", "bb"));

        assertThat(result.sharedPrefixShare()).isBetween(0.5, 1.0);
        assertThat(result.cacheableInputTokens()).isEqualTo(Math.round(300 * result.sharedPrefixShare()));
    }

    @Test
    void the_builder_names_bad_settings() {
        PointwiseGrm grm = PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build();

        assertThatIllegalArgumentException().isThrownBy(() -> VotingGrm.builder(grm).k(0)).withMessage("k must be >= 1, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> VotingGrm.builder(grm).k(4).quorum(5).build())
                .withMessage("quorum 5 exceeds k 4");
        assertThatIllegalArgumentException().isThrownBy(() -> VotingGrm.builder(grm).maxConcurrency(0))
                .withMessageContaining("maxConcurrency");
        assertThatIllegalArgumentException().isThrownBy(() -> VotingGrm.builder(grm).deadline(Duration.ZERO))
                .withMessageContaining("deadline must be positive");
    }

    @Test
    void samples_that_share_an_order_go_out_as_one_call_of_n_where_the_backend_samples_in_one_call() {
        ScriptedBackend judge = lengthJudge(NO_LATENCY).samplingInOneCall();
        PointwiseGrm grm = PointwiseGrm.builder(judge).build();

        VoteResult unshuffled = VotingGrm.builder(grm).k(5).shuffle(false).build().vote(GrmRequest.of("q", "a", "bb"));
        VoteResult balanced = VotingGrm.builder(grm).k(8).build().vote(GrmRequest.of("q", "a", "bb"));

        assertThat(judge.calls()).extracting(CompletionRequest::n).containsExactly(5, 4, 4);
        assertThat(unshuffled.samplesRun()).isEqualTo(5);
        assertThat(balanced.permutations()).filteredOn(order -> order.equals(List.of(0, 1))).hasSize(4);
    }

    @Test
    void a_backend_without_native_n_gets_one_call_per_sample_seeded_by_its_index() {
        ScriptedBackend judge = lengthJudge(NO_LATENCY);
        PointwiseGrm grm = PointwiseGrm.builder(judge).build();
        GrmRequest request = GrmRequest.of("q", "a", "bb");

        VotingGrm voting = VotingGrm.builder(grm).k(4).seed(3).build();
        VoteResult.VoteRecord record = voting.record(request, voting.vote(request));

        assertThat(judge.calls()).extracting(CompletionRequest::n).containsExactly(1, 1, 1, 1);
        assertThat(record.samplesInOneCall()).isFalse();
        assertThat(record.calls()).isEqualTo(4);
        assertThat(record.samples()).extracting(VoteResult.VoteRecord.Sample::samplingSeed).doesNotHaveDuplicates();
    }

    @Test
    void a_balanced_vote_shows_every_response_at_every_position_equally_often() {
        PointwiseGrm grm = PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build();
        for (int k : List.of(3, 6, 12)) {
            VoteResult result = VotingGrm.builder(grm).k(k).seed(k).build()
                    .vote(GrmRequest.of("q" + k, "a", "bb", "ccc"));
            int[][] seen = new int[3][3];
            result.permutations().forEach(order -> {
                for (int position = 0; position < 3; position++) {
                    seen[order.get(position)][position]++;
                }
            });
            for (int[] positions : seen) {
                assertThat(positions).as("k = %d", k).containsOnly(k / 3);
            }
            if (k <= 6) {
                assertThat(result.permutations()).as("k <= 3! gives distinct orders").doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void the_shared_prefix_share_comes_from_the_samples_prompt_sizes_and_matches_a_rendered_prompt() {
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(lengthJudge(NO_LATENCY)).build()).k(4).build();
        GrmRequest request = GrmRequest.of("q", "a", "bb", "ccc");

        VoteResult result = voting.vote(request);

        Judgement.PromptSize size = voting.grm().template().render(request, List.of(2, 0, 1),
                voting.grm().scoreRange()).size();
        assertThat(result.samples()).allSatisfy(sample -> assertThat(sample.promptSize()).contains(size));
        assertThat(result.sharedPrefixShare()).isEqualTo(size.sharedShare());
        // Samples without sizes (read back from a record) give the same share: the prompt is rendered once.
        List<Judgement> bare = result.samples().stream().map(sample -> Judgement.scored(sample.principles(),
                sample.critique(), sample.scores(), sample.rawOutput(), sample.order(), sample.usage(),
                sample.latency())).toList();
        assertThat(voting.revote(request, bare, 4).sharedPrefixShare()).isEqualTo(size.sharedShare());
    }
}
