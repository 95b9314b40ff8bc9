package dev.grm4j.voting.bench;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The library's CPU cost of one Voting@k request, without any model: k renders of the prompt (each with
 * its own permutation), k parses of a well-formed output, k mappings back to the request's order, and the
 * tally. Divide a score by k for the cost per sample.
 *
 * <ul>
 *   <li>{@link #vote()}: all of it on the calling thread (a direct executor): the pure CPU figure.</li>
 *   <li>{@link #voteOnDefaultPool()}: the same with the default executor, hand-offs between threads
 *       included, as an application runs it.</li>
 *   <li>{@link #revote()}: the tally alone over k ready samples (what {@code grm eval} adds per k).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VotingBenchmark {

    @Param("32")
    int k;

    @Param("4")
    int n;

    private GrmRequest request;
    private VotingGrm direct;
    private VotingGrm pooled;
    private List<Judgement> samples;

    @Setup
    public void setUp() {
        List<String> responses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            responses.add(("Step by step: the train covers 120 km in 1.5 h, so its mean speed is "
                    + (80 + 10 * i) + " km/h. ").repeat(7));
        }
        request = GrmRequest.of("A train covers 120 km in 90 minutes; what is its mean speed? The answer should "
                + "say what is asked, show the steps that matter, and stay short.", responses);
        // Every call answered at once with the same well-formed output, so the benchmark measures the library
        // alone: rendering, parsing, mapping back and voting. Unrecorded: a list of calls would grow all run.
        String text = ScriptedBackend.output(n, i -> 1 + (i * 7) % 10);
        Completion answer = new Completion(text, TokenUsage.of(900, text.length() / 4), FinishReason.STOP);
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.answering(request -> answer).unrecorded()).build();
        direct = VotingGrm.builder(grm).k(k).seed(42).executor(Runnable::run).build();
        pooled = VotingGrm.builder(grm).k(k).seed(42).build();
        VoteResult result = direct.vote(request);
        if (!result.isVoted() || result.validSamples() != k) {
            throw new IllegalStateException("the scripted output must parse: " + result);
        }
        samples = result.samples();
    }

    @Benchmark
    public VoteResult vote() {
        return direct.vote(request);
    }

    @Benchmark
    public VoteResult voteOnDefaultPool() {
        return pooled.vote(request);
    }

    @Benchmark
    public VoteResult revote() {
        return direct.revote(request, samples, k / 2 + 1);
    }
}
