package dev.grm4j.principles;

import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.LlmBackend;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Principles written once per conversation by a separate call, cached in an LRU, with one call per
 * conversation in flight however many callers ask at once.
 *
 * <p>Two maps under one lock: {@code cache} holds finished principle lists (bounded, access order),
 * {@code inFlight} the calls still running (bounded by the callers, and never evicted, so that a small
 * cache cannot make concurrent callers repeat a call). The lock is held only to look up and update the
 * maps, never during a call.
 */
final class GeneratedOnce implements PrincipleStrategy {

    static final String SYSTEM = """
            You write the evaluation criteria that a strict judge will use to rate AI assistant responses \
            to a user's query. You will not see the responses: write the criteria from the query alone, so \
            that they apply to any response.

            Write 2 to 6 specific criteria that this query calls for, each with a weight in percent; the \
            weights sum to 100%. Make each criterion concrete for this query: what a correct, useful \
            response must contain, do or avoid. Start from these general criteria: instruction adherence, \
            usefulness, level of detail, relevance, honesty and harmlessness. Weigh most what decides \
            whether a response is right.

            Answer in exactly this format and write nothing else:
            Specific Criteria:
            1. <short name> (<weight>%): <what a response must do to meet it>
            2. <short name> (<weight>%): <what a response must do to meet it>""";

    private final LlmBackend backend;
    private final int cacheSize;
    private final SamplingOptions sampling;

    private final Map<List<Message>, List<Principle>> cache;
    private final Map<List<Message>, CompletableFuture<List<Principle>>> inFlight = new HashMap<>();
    private long calls;
    private long failures;
    private long reused;
    private TokenUsage tokens = TokenUsage.ZERO;

    GeneratedOnce(LlmBackend backend, int cacheSize, SamplingOptions sampling) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.sampling = Objects.requireNonNull(sampling, "sampling");
        if (cacheSize < 1) {
            throw new IllegalArgumentException("cacheSize must be >= 1, was " + cacheSize);
        }
        this.cacheSize = cacheSize;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<List<Message>, List<Principle>> eldest) {
                return size() > GeneratedOnce.this.cacheSize;
            }
        };
    }

    @Override
    public CompletableFuture<List<Principle>> principlesAsync(GrmRequest request) {
        Lookup lookup = lookup(request);
        if (lookup.owned()) {
            CompletableFuture<Completion> pending;
            try {
                pending = backend.completeAsync(call(lookup.key()));
            } catch (RuntimeException e) {
                pending = CompletableFuture.failedFuture(e);
            }
            pending.whenComplete((completion, error) -> {
                if (error == null) {
                    settle(lookup, completion);
                } else {
                    fail(lookup, backendFailure(Futures.unwrap(error)));
                }
            });
        }
        // A copy: one caller cancelling its future must not cancel the call the others share.
        return lookup.future().copy();
    }

    @Override
    public String name() {
        return "once";
    }

    @Override
    public synchronized Stats stats() {
        return new Stats(calls, failures, reused, tokens);
    }

    @Override
    public String toString() {
        return "PrincipleStrategy[once, model " + backend.modelName() + ", cacheSize " + cacheSize + "]";
    }

    /** The prompt of the principle call: the conversation, never the responses. */
    static List<Message> prompt(List<Message> conversation) {
        String user;
        if (conversation.size() == 1) {
            user = "The user's query:\n" + conversation.get(0).content();
        } else {
            user = conversation.stream()
                    .map(message -> "[" + label(message.role()) + "]\n" + message.content())
                    .collect(Collectors.joining("\n\n",
                            "The conversation so far (the last user message is the query):\n", ""));
        }
        return List.of(Message.system(SYSTEM), Message.user(user + "\n\nWrite the specific criteria for this query."));
    }

    private CompletionRequest call(List<Message> conversation) {
        return new CompletionRequest(prompt(conversation), sampling);
    }

    private record Lookup(List<Message> key, CompletableFuture<List<Principle>> future, boolean owned) {
    }

    private synchronized Lookup lookup(GrmRequest request) {
        List<Message> key = Objects.requireNonNull(request, "request").conversation();
        List<Principle> cached = cache.get(key);
        if (cached != null) {
            reused++;
            return new Lookup(key, CompletableFuture.completedFuture(cached), false);
        }
        CompletableFuture<List<Principle>> running = inFlight.get(key);
        if (running != null) {
            reused++;
            return new Lookup(key, running, false);
        }
        CompletableFuture<List<Principle>> future = new CompletableFuture<>();
        inFlight.put(key, future);
        calls++;
        return new Lookup(key, future, true);
    }

    /** Reads the answer; a usable one is cached before any waiter sees it. */
    private void settle(Lookup lookup, Completion completion) {
        if (completion == null) {
            fail(lookup, backendFailure(new IllegalStateException("backend answered null")));
            return;
        }
        List<Principle> principles;
        try {
            principles = read(completion);
        } catch (PrincipleException e) {
            fail(lookup, e, completion.usage());
            return;
        } catch (RuntimeException bug) {
            fail(lookup, new PrincipleException(Outcome.UNPARSEABLE, "internal error reading principles: " + bug,
                    completion.text(), bug), completion.usage());
            return;
        }
        synchronized (this) {
            tokens = tokens.plus(completion.usage());
            inFlight.remove(lookup.key(), lookup.future());
            cache.put(lookup.key(), principles);
        }
        lookup.future().complete(principles);
    }

    private List<Principle> read(Completion completion) {
        if (completion.finishReason() == FinishReason.LENGTH) {
            throw new PrincipleException(Outcome.UNPARSEABLE, "principle call cut off at maxOutputTokens "
                    + sampling.maxOutputTokens() + " (finish reason length)", completion.text(), null);
        }
        return Principles.parseAnswer(completion.text());
    }

    private void fail(Lookup lookup, PrincipleException failure) {
        fail(lookup, failure, TokenUsage.ZERO);
    }

    /** Not cached: the waiters get the failure, and the next request makes a new call. */
    private void fail(Lookup lookup, PrincipleException failure, TokenUsage usage) {
        synchronized (this) {
            failures++;
            tokens = tokens.plus(usage);
            inFlight.remove(lookup.key(), lookup.future());
        }
        lookup.future().completeExceptionally(failure);
    }

    private static PrincipleException backendFailure(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return new PrincipleException(Outcome.BACKEND_ERROR, message, "", error);
    }

    private static String label(Message.Role role) {
        String name = role.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
