package dev.grm4j.core.testing;

import dev.grm4j.core.Message;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Fences;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

/**
 * The scripted backend of every module's tests: it answers each call with a function of the request,
 * records every call, and counts the calls in flight.
 *
 * <pre>{@code
 * ScriptedBackend judge = ScriptedBackend.scoring(shown -> shown.stream().map(String::length).toList());
 * PointwiseGrm grm = PointwiseGrm.builder(judge).build();
 * }</pre>
 *
 * <p><b>When it answers.</b> Made without a latency ({@link #answering(Function)}), it answers in the
 * caller's thread: {@code completeAsync} returns a completed future, and an exception of the script
 * comes back as a failed one. Made with a latency ({@link #answering(Duration, Function)}, even
 * {@link Duration#ZERO}), {@code completeAsync} answers on a timer thread after the latency, holding no
 * thread while it waits, as a real HTTP backend does. The blocking {@code complete} is the SPI's
 * default: it waits for {@code completeAsync} and throws the script's exception as it is.
 *
 * <p>{@link #recording(LlmBackend)} instead passes every call on to a real backend and records it.
 *
 * <p>The static helpers write what a judge writes ({@link #output(int...)}) and read what it was shown
 * ({@link #shown(CompletionRequest)}), so that no test re-encodes the GRM layout.
 *
 * <p>Thread-safe. The configuration is fixed at construction; {@link #named(String)} and
 * {@link #unrecorded()} return fresh copies.
 */
public final class ScriptedBackend implements LlmBackend {

    /** Token usage of {@link #reply(String)}: a short prompt and a short answer. */
    public static final TokenUsage REPLY_USAGE = TokenUsage.of(100, 20);

    /** The critique of {@link #output(int...)}: a test may swap it for a critique of its own. */
    public static final String CRITIQUE = "Each response was checked against the criteria, step by step.";

    private final Function<CompletionRequest, Completion> script;
    /** Null unless made by {@link #recording(LlmBackend)}: then every call goes to it, both ways. */
    private final LlmBackend delegate;
    /** Null: answers in the caller's thread; otherwise after this latency, on a timer thread. */
    private final Duration latency;
    private final String modelName;
    private final boolean recording;
    /** Whether a call for n completions is one call (recorded once, with its n), as OpenAI's {@code n}. */
    private final boolean oneCall;
    private final List<CompletionRequest> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    private ScriptedBackend(Function<CompletionRequest, Completion> script, LlmBackend delegate, Duration latency,
                            String modelName, boolean recording) {
        this(script, delegate, latency, modelName, recording, false);
    }

    private ScriptedBackend(Function<CompletionRequest, Completion> script, LlmBackend delegate, Duration latency,
                            String modelName, boolean recording, boolean oneCall) {
        this.oneCall = oneCall;
        this.script = Objects.requireNonNull(script, "script");
        this.delegate = delegate;
        if (latency != null && latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
        this.latency = latency;
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.recording = recording;
    }

    /** Answers each call with {@code script(request)}, in the caller's thread. */
    public static ScriptedBackend answering(Function<CompletionRequest, Completion> script) {
        return new ScriptedBackend(script, null, null, "scripted", true);
    }

    /**
     * Answers each call with {@code script(request)} after {@code latency}; the async path waits on a
     * timer without holding a thread, and runs the script on the timer thread.
     */
    public static ScriptedBackend answering(Duration latency, Function<CompletionRequest, Completion> script) {
        return new ScriptedBackend(script, null, Objects.requireNonNull(latency, "latency"), "scripted", true);
    }

    /** Always answers {@code text}, finishing normally, with {@link #REPLY_USAGE}; in the caller's thread. */
    public static ScriptedBackend replying(String text) {
        Completion answer = reply(text);
        return answering(request -> answer);
    }

    /** Answers each call with the text {@code text(request)}, finishing normally, with {@link #REPLY_USAGE}. */
    public static ScriptedBackend writing(Function<CompletionRequest, String> text) {
        return answering(request -> reply(text.apply(request)));
    }

    /**
     * A judge that scores the shown responses with {@code scores} (responses in presentation order in,
     * scores in the same order out), written by {@link #output(List)}; in the caller's thread.
     */
    public static ScriptedBackend scoring(Function<List<String>, List<Integer>> scores) {
        return answering(request -> reply(output(scores.apply(shown(request)))));
    }

    /** As {@link #scoring(Function)}, answering after {@code latency} on a timer thread. */
    public static ScriptedBackend scoring(Duration latency, Function<List<String>, List<Integer>> scores) {
        return answering(latency, request -> reply(output(scores.apply(shown(request)))));
    }

    /**
     * Passes every call on to {@code delegate}'s {@code completeAsync} and records it: counts what a client sends (retries included) even
     * when the call never reaches a server. Reports the delegate's model name.
     */
    public static ScriptedBackend recording(LlmBackend delegate) {
        Objects.requireNonNull(delegate, "delegate");
        return new ScriptedBackend(delegate::complete, delegate, null, delegate.modelName(), true);
    }

    /** A copy that reports {@code modelName}, with no calls recorded yet. */
    public ScriptedBackend named(String modelName) {
        return new ScriptedBackend(script, delegate, latency, modelName, recording, oneCall);
    }

    /**
     * A copy that samples n completions in one call, as an OpenAI-compatible server's {@code n}: such a
     * call is recorded once, with its n, and the script answers each choice (seeded as choice i).
     */
    public ScriptedBackend samplingInOneCall() {
        return new ScriptedBackend(script, delegate, latency, modelName, recording, true);
    }

    @Override
    public boolean samplesInOneCall() {
        return oneCall;
    }

    @Override
    public List<CompletableFuture<Completion>> completeAllAsync(CompletionRequest request) {
        if (!oneCall || request.n() == 1 || delegate != null) {
            return LlmBackend.super.completeAllAsync(request);
        }
        record(request);
        inFlight.decrementAndGet();
        List<CompletableFuture<Completion>> choices = new java.util.ArrayList<>();
        for (int i = 0; i < request.n(); i++) {
            CompletionRequest choice = request.withN(1).withSampling(request.sampling().seed().isPresent()
                    ? request.sampling().withSeed(dev.grm4j.core.internal.Seeds.choice(request.sampling().seed().getAsLong(), i))
                    : request.sampling());
            try {
                choices.add(CompletableFuture.completedFuture(script.apply(choice)));
            } catch (RuntimeException e) {
                choices.add(CompletableFuture.failedFuture(e));
            }
        }
        return choices;
    }

    /**
     * A copy that keeps no list of calls (so {@link #calls()} stays empty), for benchmarks and long runs
     * where the list would grow without bound; calls in flight are still counted.
     */
    public ScriptedBackend unrecorded() {
        return new ScriptedBackend(script, delegate, latency, modelName, false, oneCall);
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        if (delegate != null) {
            record(request);
            CompletableFuture<Completion> future = delegate.completeAsync(request);
            // The delegate's own future goes back, so that cancelling it reaches the delegate.
            future.whenComplete((completion, failure) -> inFlight.decrementAndGet());
            return future;
        }
        record(request);
        if (latency == null) {
            try {
                return CompletableFuture.completedFuture(script.apply(request));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            } finally {
                inFlight.decrementAndGet();
            }
        }
        CompletableFuture<Completion> future = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(latency.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            // The wait is over: the call no longer holds a slot, whatever the script does next.
            inFlight.decrementAndGet();
            try {
                future.complete(script.apply(request));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    private void record(CompletionRequest request) {
        if (recording) {
            calls.add(request);
        }
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    @Override
    public String modelName() {
        return modelName;
    }

    /** Every call so far, in the order they arrived; a live, read-only, thread-safe view. */
    public List<CompletionRequest> calls() {
        return Collections.unmodifiableList(calls);
    }

    /** Calls whose prompt fences responses: judge calls. */
    public List<CompletionRequest> judgeCalls() {
        return calls.stream().filter(ScriptedBackend::isJudgeCall).toList();
    }

    /** Calls whose prompt fences no response: principle-generation calls. */
    public List<CompletionRequest> principleCalls() {
        return calls.stream().filter(call -> !isJudgeCall(call)).toList();
    }

    /** Calls begun and not yet answered (for a latency, not yet past their wait). */
    public int inFlight() {
        return inFlight.get();
    }

    /** The most calls that were ever in flight at once. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** The user message of the last call: where the fenced responses are. */
    public String lastPrompt() {
        if (calls.isEmpty()) {
            throw new IllegalStateException("no call recorded yet");
        }
        return userText(calls.get(calls.size() - 1));
    }

    /** Answers {@code text}, finishing normally, with {@link #REPLY_USAGE}. */
    public static Completion reply(String text) {
        return new Completion(text, REPLY_USAGE, FinishReason.STOP);
    }

    /**
     * A well-formed GRM output with the given scores, in presentation order: two weighted principles
     * (Accuracy 60%, Clarity 40%), the one-line critique {@link #CRITIQUE}, and
     * {@code Scores: \boxed{...}} at the very end.
     */
    public static String output(int... scores) {
        return output(Arrays.stream(scores).boxed().toList());
    }

    /** As {@link #output(int...)}. */
    public static String output(List<Integer> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("a GRM output needs at least one score");
        }
        StringBuilder box = new StringBuilder();
        for (int i = 0; i < scores.size(); i++) {
            box.append(i == 0 ? "" : ", ").append(scores.get(i));
        }
        return """
                Specific Criteria:
                1. Accuracy (60%%): the answer must be correct.
                2. Clarity (40%%): the answer must be easy to follow.

                Analysis:
                %s

                Scores: \\boxed{%s}""".formatted(CRITIQUE, box);
    }

    /**
     * A well-formed GRM output for {@code n} responses with a critique line per response, the size of
     * a real judge's answer; the scores are {@code score(1) .. score(n)}.
     */
    public static String output(int n, IntUnaryOperator score) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, was " + n);
        }
        StringBuilder text = new StringBuilder("""
                Specific Criteria:
                1. Instruction adherence (40%): The response must do what the query asks, completely and \
                within its constraints.
                2. Accuracy (35%): Facts, numbers and reasoning must be correct; confident errors weigh heavily.
                3. Clarity (25%): The response should be well organized and no longer than the query needs.

                Analysis:
                """);
        StringBuilder box = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            text.append("Response ").append(i).append(": It opens with the computation and states the result. ")
                    .append("It answers the query but leaves gaps in accuracy or detail.\n");
            box.append(i == 1 ? "" : ", ").append(score.applyAsInt(i));
        }
        return text.append("\nScores: \\boxed{").append(box).append('}').toString();
    }

    /**
     * The responses a call shows, in presentation order; empty for a principle-generation call. Read
     * from the call's output spec; only a raw prompt without one (as the HTTP path delivers it) is
     * searched for fences.
     */
    public static List<String> shown(CompletionRequest call) {
        return call.output().map(CompletionRequest.OutputSpec::responses)
                .orElseGet(() -> Fences.extract(userText(call)));
    }

    /** Whether a call's prompt fences responses: a judge call, not a principle-generation call. */
    public static boolean isJudgeCall(CompletionRequest call) {
        return !shown(call).isEmpty();
    }

    /** The content of a call's last message: the user turn, where the query and the responses are. */
    public static String userText(CompletionRequest call) {
        List<Message> messages = call.messages();
        return messages.get(messages.size() - 1).content();
    }
}
