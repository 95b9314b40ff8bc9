package dev.grm4j.voting;

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
import dev.grm4j.voting.VotingListener.SampleFinished;
import dev.grm4j.voting.VotingListener.SampleStarted;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class VotingListenerTest {

    private static final GrmRequest REQUEST = GrmRequest.of("What is 2 + 2?", "4", "five");
    private static final RetryPolicy QUICK_RETRY = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5);

    @Test
    void every_sample_is_started_once_and_finished_once_with_the_outcome_and_tokens_of_the_vote() {
        // Every third call answers no verdict, and every call bills its own token count, so that a
        // finished event can only match its sample if the engine reports the right one.
        AtomicInteger call = new AtomicInteger();
        ScriptedBackend judge = ScriptedBackend.answering(request -> {
            int n = call.incrementAndGet();
            String text = n % 3 == 0 ? "no verdict here" : ScriptedBackend.output(lengths(request));
            return new Completion(text, TokenUsage.of(100 + n, 10 + n), FinishReason.STOP);
        });
        Recorder events = new Recorder();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(8).quorum(1)
                .listener(events).build();

        VoteResult result = voting.vote(REQUEST);

        assertThat(events.started()).extracting(SampleStarted::sample)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 8).boxed().toList());
        assertThat(events.finished()).extracting(SampleFinished::sample)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 8).boxed().toList());
        assertThat(events.finished()).allSatisfy(event -> {
            Judgement sample = result.samples().get(event.sample());
            assertThat(event.outcome()).isEqualTo(sample.outcome());
            assertThat(event.usage()).isEqualTo(sample.usage());
            assertThat(event.attempt()).isEqualTo(1);
            assertThat(event.willRetry()).isFalse();
        });
        assertThat(events.finished()).extracting(SampleFinished::outcome).contains(Outcome.UNPARSEABLE);
        assertThat(events.started()).allSatisfy(event -> assertThat(event.samplesInCall()).isEqualTo(1));
        assertThat(events.all()).extracting(VotingListenerTest::voteOf).containsOnly(0L);
    }

    @Test
    void a_retried_backend_failure_finishes_as_a_retry_then_starts_again_and_finishes_scored() {
        Recorder events = new Recorder();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(failingFirst()).build()).k(2).retry(QUICK_RETRY)
                .listener(events).build();

        VoteResult result = voting.vote(REQUEST);

        assertThat(result.validSamples()).isEqualTo(2);
        for (int sample = 0; sample < 2; sample++) {
            assertThat(events.story(sample)).containsExactly(
                    "started attempt 1",
                    "finished attempt 1 BACKEND_ERROR, will retry",
                    "started attempt 2",
                    "finished attempt 2 SCORED");
        }
    }

    @Test
    void the_counters_of_the_guide_add_up_to_what_the_vote_reports() {
        // As docs/voting.md, "Watching a vote: VotingListener", wires them.
        ConcurrentMap<Outcome, LongAdder> samples = new ConcurrentHashMap<>();
        LongAdder retries = new LongAdder();
        LongAdder inputTokens = new LongAdder();
        LongAdder outputTokens = new LongAdder();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(failingFirst()).build()).k(4).retry(QUICK_RETRY)
                .listener(new VotingListener() {
                    @Override
                    public void sampleFinished(SampleFinished event) {
                        inputTokens.add(event.usage().inputTokens());
                        outputTokens.add(event.usage().outputTokens());
                        if (event.willRetry()) {
                            retries.increment();
                        } else {
                            samples.computeIfAbsent(event.outcome(), outcome -> new LongAdder()).increment();
                        }
                    }
                }).build();

        VoteResult result = voting.vote(REQUEST);

        assertThat(samples).containsOnlyKeys(Outcome.SCORED);
        assertThat(samples.get(Outcome.SCORED).sum()).isEqualTo(4);
        assertThat(retries.sum()).isEqualTo(4);
        assertThat(inputTokens.sum()).isEqualTo(result.usage().inputTokens());
        assertThat(outputTokens.sum()).isEqualTo(result.usage().outputTokens());
    }

    @Test
    void a_listener_that_throws_leaves_the_vote_as_it_would_be_without_one() throws Exception {
        VotingListener broken = new VotingListener() {
            @Override
            public void sampleStarted(SampleStarted event) {
                throw new IllegalStateException("metrics registry is closed");
            }

            @Override
            public void sampleFinished(SampleFinished event) {
                throw new AssertionError("not even an exception");
            }
        };
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.scoring(VotingListenerTest::lengths)).build();
        VotingGrm quiet = VotingGrm.builder(grm).k(8).seed(7).build();
        VotingGrm loud = VotingGrm.builder(grm).k(8).seed(7).listener(broken).build();

        VoteResult expected = quiet.vote(REQUEST);
        // A listener failure that escaped would strand the vote's future: wait boundedly, not for ever.
        VoteResult first = loud.voteAsync(REQUEST).get(10, TimeUnit.SECONDS);
        VoteResult second = loud.voteAsync(REQUEST).get(10, TimeUnit.SECONDS);

        for (VoteResult result : List.of(first, second)) {
            assertThat(result.isVoted()).isTrue();
            assertThat(result.totals()).isEqualTo(expected.totals());
            assertThat(result.best()).isEqualTo(expected.best());
            assertThat(result.permutations()).isEqualTo(expected.permutations());
        }
        assertThat(loud.inFlight()).isZero();
    }

    @Test
    void a_call_of_n_samples_starts_and_finishes_each_of_them_and_they_share_its_latency() {
        // Two responses, balanced: two orders of four samples each, one call of n = 4 per order.
        ScriptedBackend judge = ScriptedBackend.scoring(VotingListenerTest::lengths).samplingInOneCall();
        Recorder events = new Recorder();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(8).listener(events).build();

        VoteResult result = voting.vote(REQUEST);

        assertThat(judge.calls()).extracting(CompletionRequest::n).containsExactly(4, 4);
        assertThat(events.started()).hasSize(8)
                .allSatisfy(event -> assertThat(event.samplesInCall()).isEqualTo(4));
        assertThat(events.finished()).hasSize(8)
                .allSatisfy(event -> assertThat(event.usage()).isEqualTo(ScriptedBackend.REPLY_USAGE));
        Map<List<Integer>, Set<Duration>> latencyByOrder = events.finished().stream().collect(Collectors.groupingBy(
                event -> result.samples().get(event.sample()).order(),
                Collectors.mapping(SampleFinished::latency, Collectors.toSet())));
        assertThat(latencyByOrder).hasSize(2).allSatisfy((order, latencies) -> assertThat(latencies).hasSize(1));
    }

    @Test
    void the_latency_is_the_calls_time_by_the_voting_models_ticker() {
        AtomicLong now = new AtomicLong();
        ScriptedBackend slow = ScriptedBackend.answering(request -> {
            now.addAndGet(Duration.ofMillis(250).toNanos());
            return ScriptedBackend.reply(ScriptedBackend.output(lengths(request)));
        });
        Recorder events = new Recorder();
        // One call at a time, on the test's thread: no call sees the time another one took.
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(slow).build()).k(3).ticker(now::get)
                .executor(Runnable::run).listener(events).build();

        voting.vote(REQUEST);

        assertThat(events.finished()).extracting(SampleFinished::latency).containsOnly(Duration.ofMillis(250));
    }

    @Test
    void queued_counts_the_samples_waiting_for_the_one_permit_of_two_votes_and_they_have_no_event_yet() {
        HeldBackend held = new HeldBackend();
        Recorder events = new Recorder();
        // The engine runs on the thread that answers a call, so each answer sends the next call at once.
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(held).build()).k(2).maxConcurrency(1)
                .executor(Runnable::run).listener(events).build();

        CompletableFuture<VoteResult> first = voting.voteAsync(REQUEST);
        CompletableFuture<VoteResult> second = voting.voteAsync(GrmRequest.of("What is 3 + 3?", "6", "seven"));

        assertThat(voting.inFlight()).isEqualTo(1);
        assertThat(voting.queued()).isEqualTo(3);
        assertThat(events.started()).hasSize(1);
        for (int answered = 1; answered <= 3; answered++) {
            held.answerNext();
            assertThat(voting.queued()).isEqualTo(3 - answered);
            assertThat(voting.inFlight()).isEqualTo(1);
            assertThat(events.started()).hasSize(1 + answered);
        }
        held.answerNext();

        assertThat(first.join().isVoted()).isTrue();
        assertThat(second.join().isVoted()).isTrue();
        assertThat(voting.queued()).isZero();
        assertThat(voting.inFlight()).isZero();
        assertThat(events.all()).extracting(VotingListenerTest::voteOf).containsOnly(0L, 1L);
    }

    @Test
    void a_sample_out_at_the_deadline_finishes_then_as_a_backend_error_and_its_late_answer_is_not_heard()
            throws Exception {
        HeldBackend held = new HeldBackend();
        Recorder events = new Recorder();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(held).build()).k(1).deadline(Duration.ofMillis(100))
                .executor(Runnable::run).listener(events).build();

        VoteResult result = voting.voteAsync(REQUEST).get(10, TimeUnit.SECONDS);
        // The call times out with the deadline, on the timer's thread: its event may trail the result.
        events.awaitFinished(1);
        held.answerNext();

        assertThat(result.outcomes()).containsExactly(Map.entry(Outcome.BACKEND_ERROR, 1));
        assertThat(events.story(0)).containsExactly("started attempt 1", "finished attempt 1 BACKEND_ERROR");
        assertThat(voting.inFlight()).isZero();
    }

    @Test
    void views_with_another_adaptive_rule_share_the_listener_and_number_their_votes_apart() {
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.scoring(VotingListenerTest::lengths)).build();
        Recorder events = new Recorder();
        VotingGrm voting = VotingGrm.builder(grm).k(4).listener(events).build();

        voting.vote(REQUEST);
        voting.withAdaptive(VotingGrm.Adaptive.EXACT).vote(REQUEST);

        assertThat(events.started()).extracting(SampleStarted::vote).containsOnly(0L, 1L);
        assertThat(events.finished()).filteredOn(event -> event.vote() == 0).hasSize(4);
        assertThat(events.finished()).filteredOn(event -> event.vote() == 1).isNotEmpty();
    }

    /** Scores each shown response by its length, capped to 10. */
    private static List<Integer> lengths(CompletionRequest request) {
        return lengths(ScriptedBackend.shown(request));
    }

    private static List<Integer> lengths(List<String> shown) {
        return shown.stream().map(response -> Math.min(10, response.length())).toList();
    }

    /** Fails each sample's first attempt with a retriable HTTP 503, then scores it. */
    private static ScriptedBackend failingFirst() {
        ConcurrentMap<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();
        return ScriptedBackend.answering(request -> {
            long seed = request.sampling().seed().getAsLong();
            if (attempts.computeIfAbsent(seed, s -> new AtomicInteger()).incrementAndGet() == 1) {
                throw new BackendException("HTTP 503: busy", null, true, OptionalInt.of(503), Optional.empty());
            }
            return ScriptedBackend.reply(ScriptedBackend.output(lengths(request)));
        });
    }

    private static long voteOf(Object event) {
        return event instanceof SampleStarted started ? started.vote() : ((SampleFinished) event).vote();
    }

    /** Every event, in the order the listener heard them. */
    private static final class Recorder implements VotingListener {
        private final List<Object> events = new CopyOnWriteArrayList<>();

        @Override
        public void sampleStarted(SampleStarted event) {
            events.add(event);
        }

        @Override
        public void sampleFinished(SampleFinished event) {
            events.add(event);
        }

        List<Object> all() {
            return events;
        }

        List<SampleStarted> started() {
            return events.stream().filter(SampleStarted.class::isInstance).map(SampleStarted.class::cast).toList();
        }

        List<SampleFinished> finished() {
            return events.stream().filter(SampleFinished.class::isInstance).map(SampleFinished.class::cast).toList();
        }

        /** Waits, 10 s at most, until {@code count} finished events were heard. */
        void awaitFinished(int count) throws InterruptedException {
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (finished().size() < count) {
                if (System.nanoTime() > giveUp) {
                    throw new AssertionError("expected " + count + " finished events, heard " + finished());
                }
                Thread.sleep(5);
            }
        }

        /** What one sample (of any vote) went through, in words. */
        List<String> story(int sample) {
            return events.stream().map(event -> {
                if (event instanceof SampleStarted started) {
                    return started.sample() == sample ? "started attempt " + started.attempt() : null;
                }
                SampleFinished finished = (SampleFinished) event;
                return finished.sample() == sample ? "finished attempt " + finished.attempt() + " "
                        + finished.outcome() + (finished.willRetry() ? ", will retry" : "") : null;
            }).filter(line -> line != null).toList();
        }
    }

    /** Holds every call until the test answers it, oldest first; scores each response by its length. */
    private static final class HeldBackend implements LlmBackend {
        private final ArrayDeque<Runnable> held = new ArrayDeque<>();

        @Override
        public synchronized CompletableFuture<Completion> completeAsync(CompletionRequest request) {
            CompletableFuture<Completion> call = new CompletableFuture<>();
            Completion answer = ScriptedBackend.reply(ScriptedBackend.output(lengths(request)));
            held.add(() -> call.complete(answer));
            return call;
        }

        /** Answers the oldest call held; what that sets off runs on this thread. */
        void answerNext() {
            Runnable answer;
            synchronized (this) {
                answer = held.remove();
            }
            answer.run();
        }

        @Override
        public String modelName() {
            return "held";
        }
    }
}
