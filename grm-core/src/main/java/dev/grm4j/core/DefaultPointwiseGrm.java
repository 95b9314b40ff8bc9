package dev.grm4j.core;

import dev.grm4j.core.internal.Weights;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.internal.Winner;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.parse.GrmOutputParser;
import dev.grm4j.core.parse.ParseResult;
import dev.grm4j.core.prompt.PromptTemplate;
import dev.grm4j.core.prompt.RenderedPrompt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Renders, calls the backend once, parses, and maps the scores back to the request's order. Every
 * judgement it makes after rendering carries the prompt's size.
 */
final class DefaultPointwiseGrm implements PointwiseGrm {

    private static final Logger log = LoggerFactory.getLogger(DefaultPointwiseGrm.class);

    private final LlmBackend backend;
    private final PromptTemplate template;
    private final ScoreRange scoreRange;
    private final int maxResponses;
    private final long seed;
    private final SamplingOptions rewardSampling;
    private final Ticker ticker;
    private final GrmOutputParser parser;

    DefaultPointwiseGrm(LlmBackend backend, PromptTemplate template, ScoreRange scoreRange, int maxResponses,
                               long seed, SamplingOptions rewardSampling, Ticker ticker) {
        this.backend = backend;
        this.template = template;
        this.scoreRange = scoreRange;
        this.maxResponses = maxResponses;
        this.seed = seed;
        this.rewardSampling = rewardSampling;
        this.ticker = ticker;
        this.parser = GrmOutputParser.of(scoreRange);
    }

    @Override
    public CompletableFuture<List<Judgement>> judgeAllAsync(GrmRequest request, SamplingOptions sampling,
                                                            List<Integer> order, int n) {
        Objects.requireNonNull(sampling, "sampling");
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        RenderedPrompt prompt = render(request, order);
        // The backend learns what it must write from here, never by re-reading the prompt.
        List<String> presented = prompt.order().stream().map(request.responses()::get).toList();
        CompletionRequest call = new CompletionRequest(prompt.messages(), sampling,
                Optional.of(new CompletionRequest.OutputSpec(presented, scoreRange)), n,
                Optional.of(affinityKey(request)));
        long start = ticker.read();
        List<CompletableFuture<Completion>> pending;
        try {
            pending = backend.completeAllAsync(call);
        } catch (RuntimeException e) {
            pending = java.util.Collections.nCopies(n, CompletableFuture.failedFuture(e));
        }
        if (pending.size() != n) {
            Judgement wrong = failed(new IllegalStateException("backend " + backend.modelName() + " answered "
                    + pending.size() + " completions for " + n), prompt, start);
            return CompletableFuture.completedFuture(java.util.Collections.nCopies(n, wrong));
        }
        List<CompletableFuture<Judgement>> samples = new ArrayList<>(n);
        for (CompletableFuture<Completion> completion : pending) {
            samples.add(completion.handle((answer, error) -> error == null
                    ? read(request, sampling, prompt, answer, start)
                    : failed(Futures.unwrap(error), prompt, start)));
        }
        return CompletableFuture.allOf(samples.toArray(CompletableFuture[]::new))
                .thenApply(done -> samples.stream().map(CompletableFuture::join).toList());
    }

    @Override
    public boolean samplesInOneCall() {
        return backend.samplesInOneCall();
    }

    /**
     * The same for every sample of one request and different across requests: the request's content
     * fingerprint, as a prefix-aware router's session key.
     */
    static String affinityKey(GrmRequest request) {
        return "grm4j-" + Long.toHexString(request.fingerprint());
    }

    @Override
    public CompletableFuture<Reward> rewardAsync(GrmRequest request) {
        return judgeAsync(request, rewardSampling, identity(request.size())).thenApply(judgement -> {
            if (!judgement.isScored()) {
                throw new JudgementFailedException(judgement);
            }
            Winner winner = Winner.of(judgement.scores(), new SplittableRandom(seed ^ request.fingerprint()));
            return new Reward(judgement.scores(), winner.index(), winner.tieBroken(), judgement);
        });
    }

    @Override
    public int maxResponses() {
        return maxResponses;
    }

    @Override
    public ScoreRange scoreRange() {
        return scoreRange;
    }

    @Override
    public PromptTemplate template() {
        return template;
    }

    @Override
    public String modelName() {
        return backend.modelName();
    }

    private RenderedPrompt render(GrmRequest request, List<Integer> order) {
        checkRequest(request);
        return template.render(request, order, scoreRange);
    }

    private Judgement read(GrmRequest request, SamplingOptions sampling, RenderedPrompt prompt,
                           Completion completion, long start) {
        Duration latency = since(start);
        if (completion == null) {
            return failed(new IllegalStateException("backend " + backend.modelName() + " answered null"), prompt,
                    start);
        }
        if (completion.finishReason() == FinishReason.LENGTH) {
            return Judgement.truncated(completion.text(), prompt.order(), completion.usage(), latency,
                    sampling.maxOutputTokens()).withPromptSize(prompt.size());
        }
        boolean principlesSupplied = !request.principles().isEmpty();
        ParseResult result = parser.parse(completion.text(), request.responses(), !principlesSupplied);
        if (result instanceof ParseResult.Failed failed) {
            log.debug("unparseable judgement: {}", failed.reason());
            return Judgement.unparseable(failed.reason(), completion.text(), prompt.order(), completion.usage(),
                    latency).withPromptSize(prompt.size());
        }
        ParseResult.Parsed parsed = (ParseResult.Parsed) result;
        List<Principle> principles = parsed.principles().isEmpty()
                ? Weights.normalized(request.principles(), Principle::weight, Principle::withWeight)
                : parsed.principles();
        return Judgement.scored(principles, parsed.critique(), toRequestOrder(parsed.scores(), prompt.order()),
                completion.text(), prompt.order(), completion.usage(), latency).withPromptSize(prompt.size());
    }

    private Judgement failed(Throwable error, RenderedPrompt prompt, long start) {
        log.debug("backend call failed: {}", error.toString());
        return Judgement.backendError(error, prompt.order(), since(start)).withPromptSize(prompt.size());
    }

    private Duration since(long start) {
        return Duration.ofNanos(Math.max(0, ticker.read() - start));
    }

    private static List<Integer> identity(int size) {
        return java.util.stream.IntStream.range(0, size).boxed().toList();
    }

    /** The judge wrote scores in the order it saw the responses; position p showed request index order[p]. */
    static List<Integer> toRequestOrder(List<Integer> presented, List<Integer> order) {
        Integer[] scores = new Integer[presented.size()];
        for (int position = 0; position < presented.size(); position++) {
            scores[order.get(position)] = presented.get(position);
        }
        return Arrays.asList(scores);
    }

}
