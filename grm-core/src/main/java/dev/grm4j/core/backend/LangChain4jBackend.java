package dev.grm4j.core.backend;

import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Adapts any langchain4j {@link ChatModel} (OpenAI, vLLM and SGLang through the OpenAI module,
 * Anthropic, Gemini, Ollama...) to {@link LlmBackend}.
 *
 * <p>Temperature, output budget and stop sequences travel in {@link ChatRequestParameters}. The
 * seed has no provider-neutral parameter in langchain4j; where the provider takes one, supply
 * the provider's parameters through {@link Builder#parameters(Function)}:
 * <pre>{@code
 * LlmBackend backend = LangChain4jBackend.builder(openAiChatModel)
 *         .parameters(sampling -> OpenAiChatRequestParameters.builder()
 *                 .temperature(sampling.temperature())
 *                 .maxOutputTokens(sampling.maxOutputTokens())
 *                 .seed(sampling.seed().isPresent() ? (int) sampling.seed().getAsLong() : null)
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p>Failures become {@link BackendException}s with the provider's exception as the cause,
 * retriable for langchain4j {@code RetriableException}s, HTTP 429 and 5xx, and I/O errors; a
 * refused connection or an unknown host is a {@link BackendConnectException}. Messages name the
 * cause found anywhere in the chain ("could not connect to the model server: connection refused"),
 * never a bare class name. The {@link Builder#secret(String) secrets} are masked in every message and
 * in the answers' text.
 * Configure the {@code ChatModel} without retries of its own ({@code maxRetries(0)}) when a voting
 * model retries above it, or the two multiply.
 *
 * <p>Thread-safe when the wrapped model is (langchain4j's provider models are). Every call, the
 * blocking {@link #complete} too (it waits for {@link #completeAsync}), runs the model's blocking
 * {@code chat} on the executor given to the builder; by default, on one pool shared by
 * all adapters of 64 daemon threads with an unbounded queue, so at most 64 calls run at once and
 * the rest wait. A call cancelled before it starts is never sent.
 */
public final class LangChain4jBackend implements LlmBackend {

    /** Threads of the default async pool: the most calls in flight through {@link #completeAsync}. */
    public static final int DEFAULT_ASYNC_THREADS = 64;

    private final ChatModel model;
    private final String modelName;
    private final Function<SamplingOptions, ChatRequestParameters> parameters;
    private final Executor executor;
    private final List<String> secrets;

    private LangChain4jBackend(Builder builder) {
        this.model = builder.model;
        this.modelName = builder.modelName != null ? builder.modelName : defaultName(builder.model);
        this.parameters = builder.parameters;
        this.executor = builder.executor != null ? builder.executor : DefaultPool.EXECUTOR;
        this.secrets = List.copyOf(builder.secrets);
    }

    /** Wraps a model with the default parameters mapping and executor. */
    public static LangChain4jBackend of(ChatModel model) {
        return builder(model).build();
    }

    public static Builder builder(ChatModel model) {
        return new Builder(model);
    }

    /** The provider-neutral mapping: temperature, max output tokens and stop sequences; no seed. */
    public static ChatRequestParameters standardParameters(SamplingOptions sampling) {
        return ChatRequestParameters.builder()
                .temperature(sampling.temperature())
                .maxOutputTokens(sampling.maxOutputTokens())
                .stopSequences(sampling.stop().isEmpty() ? null : sampling.stop())
                .build();
    }

    /** The blocking langchain4j call behind {@link #completeAsync}; runs on the executor's thread. */
    private Completion call(CompletionRequest request) {
        ChatRequest chatRequest = ChatRequest.builder()
                .messages(request.messages().stream().map(LangChain4jBackend::toChatMessage).toList())
                .parameters(parameters.apply(request.sampling()))
                .build();
        ChatResponse response;
        try {
            response = model.chat(chatRequest);
        } catch (RuntimeException e) {
            throw toBackendException(e, secrets);
        }
        Completion completion = toCompletion(response);
        String text = completion.text();
        for (String secret : secrets) {
            text = text.replace(secret, "***");
        }
        return text.equals(completion.text()) ? completion
                : new Completion(text, completion.usage(), completion.finishReason());
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        CompletableFuture<Completion> future = new CompletableFuture<>();
        executor.execute(() -> {
            if (future.isDone()) {
                return;
            }
            try {
                future.complete(call(request));
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    @Override
    public String modelName() {
        return modelName;
    }

    @Override
    public String toString() {
        return "LangChain4jBackend[" + modelName + "]";
    }

    private static ChatMessage toChatMessage(Message message) {
        return switch (message.role()) {
            case SYSTEM -> SystemMessage.from(message.content());
            case USER -> UserMessage.from(message.content());
            case ASSISTANT -> AiMessage.from(message.content());
        };
    }

    private static Completion toCompletion(ChatResponse response) {
        String text = response.aiMessage() == null || response.aiMessage().text() == null
                ? ""
                : response.aiMessage().text();
        dev.langchain4j.model.output.TokenUsage usage = response.tokenUsage();
        TokenUsage tokens = usage == null
                ? TokenUsage.ZERO
                : TokenUsage.of(orZero(usage.inputTokenCount()), orZero(usage.outputTokenCount()));
        FinishReason finishReason = response.finishReason() == null ? FinishReason.OTHER
                : switch (response.finishReason()) {
                    case STOP -> FinishReason.STOP;
                    case LENGTH -> FinishReason.LENGTH;
                    default -> FinishReason.OTHER;
                };
        return new Completion(text, tokens, finishReason);
    }

    /** Bearer tokens and OpenAI-style keys, masked in any message whatever the provider echoed. */
    private static final java.util.regex.Pattern CREDENTIALS = java.util.regex.Pattern.compile(
            "(?i)(bearer\\s+|api[-_ ]?key[\"':=\\s]+)(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{6,}"
                    + "|\\bsk-[A-Za-z0-9_-]{6,}");

    /**
     * {@code text} with the given secrets and anything that looks like a credential masked: providers
     * quote error bodies in their exceptions, and a server may echo the Authorization header there.
     */
    static String mask(String text, List<String> secrets) {
        String masked = text;
        for (String secret : secrets) {
            masked = masked.replace(secret, "***");
        }
        return CREDENTIALS.matcher(masked).replaceAll(match -> match.group(1) != null
                ? java.util.regex.Matcher.quoteReplacement(match.group(1)) + "***" : "sk-***");
    }

    static BackendException toBackendException(RuntimeException e, List<String> secrets) {
        OptionalInt status = OptionalInt.empty();
        String body = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException http) {
                status = OptionalInt.of(http.statusCode());
                body = http.getMessage();
                break;
            }
        }
        if (status.isEmpty() && Failures.isConnectFailure(e)) {
            // The provider's model does not tell its URL; the cause chain does not either.
            return new BackendConnectException(mask("could not connect to the model server: "
                    + Failures.connectProblem(e, null), secrets), e);
        }
        boolean retriable = e instanceof RetriableException
                || status.isPresent() && (status.getAsInt() == 429 || status.getAsInt() >= 500)
                || hasCause(e, IOException.class);
        // An HTTP error's message is the server's body: show its own words, as OpenAiCompatibleBackend does.
        String detail = mask(body != null && !body.isBlank()
                ? OpenAiProtocol.errorDetail(body.getBytes(StandardCharsets.UTF_8), null)
                : describe(e), secrets);
        String message = (status.isPresent() ? "HTTP " + status.getAsInt() + ": " : "") + detail;
        return new BackendException(message, e, retriable, status, Optional.empty());
    }

    /**
     * The provider's own message when it has one (langchain4j's already say what failed), else the most
     * telling one in the chain: HTTP clients often wrap a bare exception whose message is just its
     * class name.
     */
    private static String describe(Throwable e) {
        String message = e.getMessage();
        if (message != null && !message.isBlank() && (e.getCause() == null
                || !message.equals(e.getCause().toString()) && !message.equals(e.getCause().getClass().getName()))) {
            return message;
        }
        return Failures.describe(e);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static long orZero(Integer count) {
        return count == null ? 0 : count;
    }

    private static String defaultName(ChatModel model) {
        ChatRequestParameters defaults = model.defaultRequestParameters();
        return defaults != null && defaults.modelName() != null
                ? defaults.modelName()
                : model.getClass().getSimpleName();
    }

    /** Configures a {@link LangChain4jBackend}. Not thread-safe. */
    public static final class Builder {
        private final ChatModel model;
        private String modelName;
        private Function<SamplingOptions, ChatRequestParameters> parameters = LangChain4jBackend::standardParameters;
        private Executor executor;
        private final List<String> secrets = new java.util.ArrayList<>();

        private Builder(ChatModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The name recorded in judgements; the model's default model name if not set. */
        public Builder modelName(String modelName) {
            this.modelName = Objects.requireNonNull(modelName, "modelName");
            return this;
        }

        /**
         * Maps sampling options to the provider's request parameters; use it to pass the seed, or
         * provider-specific options. {@link #standardParameters(SamplingOptions)} by default.
         */
        public Builder parameters(Function<SamplingOptions, ChatRequestParameters> parameters) {
            this.parameters = Objects.requireNonNull(parameters, "parameters");
            return this;
        }

        /** Runs {@link #completeAsync} calls; the shared bounded pool by default. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * A value (the API key) to mask, as {@code ***}, in every error message this backend produces
         * and in the text of every answer (a judge may repeat what it was sent). In messages, credentials
         * that look like one (Bearer tokens, {@code sk-...} keys) are masked anyway; the provider's own
         * exception, kept as the cause, is not rewritten.
         */
        public Builder secret(String secret) {
            Objects.requireNonNull(secret, "secret");
            if (!secret.isBlank()) {
                secrets.add(secret);
            }
            return this;
        }

        public LangChain4jBackend build() {
            return new LangChain4jBackend(this);
        }
    }

    private static final class DefaultPool {
        static final ExecutorService EXECUTOR = pool();

        private static ExecutorService pool() {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(DEFAULT_ASYNC_THREADS, DEFAULT_ASYNC_THREADS,
                    30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
                        Thread thread = new Thread(runnable, "grm4j-llm-" + count.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            // Idle threads go away, so an application that stops judging holds none.
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }
    }
}
