package dev.grm4j.core.backend;

import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessageType;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LangChain4jBackendTest {

    /** A scripted langchain4j model, the way langchain4j's own tests fake one: override doChat. */
    private static final class FakeChatModel implements ChatModel {
        final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
        final Function<ChatRequest, ChatResponse> answer;

        FakeChatModel(Function<ChatRequest, ChatResponse> answer) {
            this.answer = answer;
        }

        @Override
        public ChatResponse doChat(ChatRequest request) {
            requests.add(request);
            return answer.apply(request);
        }
    }

    private static ChatResponse response(String text, dev.langchain4j.model.output.FinishReason reason) {
        return ChatResponse.builder().aiMessage(AiMessage.from(text))
                .tokenUsage(new dev.langchain4j.model.output.TokenUsage(321, 45)).finishReason(reason).build();
    }

    private static final CompletionRequest CALL = new CompletionRequest(
            List.of(Message.system("judge"), Message.user("q"), Message.assistant("a"), Message.user("again")),
            SamplingOptions.sampled(0.5).withMaxOutputTokens(900).withStop(List.of("###")).withSeed(7));

    @Test
    void passes_messages_and_sampling_and_maps_the_answer() {
        FakeChatModel model = new FakeChatModel(request -> response("Scores: \\boxed{5}",
                dev.langchain4j.model.output.FinishReason.STOP));

        Completion completion = LangChain4jBackend.builder(model).modelName("fake").build().complete(CALL);

        assertThat(completion).isEqualTo(new Completion("Scores: \\boxed{5}", TokenUsage.of(321, 45), FinishReason.STOP));
        ChatRequest sent = model.requests.get(0);
        assertThat(sent.messages()).extracting(message -> message.type()).containsExactly(ChatMessageType.SYSTEM,
                ChatMessageType.USER, ChatMessageType.AI, ChatMessageType.USER);
        assertThat(sent.parameters().temperature()).isEqualTo(0.5);
        assertThat(sent.parameters().maxOutputTokens()).isEqualTo(900);
        assertThat(sent.parameters().stopSequences()).containsExactly("###");
    }

    @Test
    void finish_reason_length_and_a_missing_text_are_reported_not_hidden() {
        FakeChatModel model = new FakeChatModel(request -> ChatResponse.builder().aiMessage(AiMessage.from("cut"))
                .finishReason(dev.langchain4j.model.output.FinishReason.LENGTH).build());

        Completion completion = LangChain4jBackend.of(model).complete(CALL);

        assertThat(completion.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(completion.usage()).isEqualTo(TokenUsage.ZERO);
    }

    @Test
    void provider_parameters_carry_what_the_neutral_ones_cannot() {
        FakeChatModel model = new FakeChatModel(request -> response("x", dev.langchain4j.model.output.FinishReason.STOP));
        List<SamplingOptions> seen = new ArrayList<>();

        LangChain4jBackend.builder(model).parameters(sampling -> {
            seen.add(sampling);
            return ChatRequestParameters.builder().temperature(sampling.temperature()).topP(0.9).build();
        }).build().complete(CALL);

        assertThat(seen).containsExactly(CALL.sampling());
        assertThat(model.requests.get(0).parameters().topP()).isEqualTo(0.9);
    }

    @Test
    void a_rate_limit_is_retriable_with_its_status() {
        FakeChatModel model = new FakeChatModel(request -> {
            throw new RateLimitException("slow down", new HttpException(429, "too many requests"));
        });

        assertThatThrownBy(() -> LangChain4jBackend.of(model).complete(CALL))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.statusCode()).hasValue(429);
                    assertThat(e.getCause()).isInstanceOf(RateLimitException.class);
                    assertThat(e.getMessage()).startsWith("HTTP 429: ");
                });
    }

    @Test
    void credentials_echoed_by_the_server_are_masked_in_the_message() {
        FakeChatModel model = new FakeChatModel(request -> {
            throw new dev.langchain4j.exception.InternalServerException(new HttpException(500,
                    "{\"error\": \"bad header Authorization: Bearer my-key-123456 and sk-abcdef123456, key=house-secret\"}"));
        });

        assertThatThrownBy(() -> LangChain4jBackend.builder(model).secret("house-secret").build().complete(CALL))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.getMessage())
                        .doesNotContain("my-key-123456", "sk-abcdef123456", "house-secret")
                        .contains("Bearer ***", "sk-***", "key=***"));
    }

    @Test
    void a_bad_request_is_not_retriable() {
        FakeChatModel model = new FakeChatModel(request -> {
            throw new InvalidRequestException(new HttpException(400, "context length exceeded"));
        });

        assertThatThrownBy(() -> LangChain4jBackend.of(model).complete(CALL))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.isRetriable()).isFalse();
                    assertThat(e.statusCode()).hasValue(400);
                });
    }

    @Test
    void a_connection_failure_is_retriable_without_a_status() {
        FakeChatModel model = new FakeChatModel(request -> {
            throw new RuntimeException(new ConnectException("Connection refused"));
        });

        assertThatThrownBy(() -> LangChain4jBackend.of(model).complete(CALL))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.statusCode()).isEmpty();
                });
    }

    @Test
    void the_async_form_runs_on_the_given_executor_and_skips_calls_cancelled_before_they_start() {
        FakeChatModel model = new FakeChatModel(request -> response("x", dev.langchain4j.model.output.FinishReason.STOP));
        List<Runnable> queued = new ArrayList<>();
        LangChain4jBackend backend = LangChain4jBackend.builder(model).executor(queued::add).build();

        CompletableFuture<Completion> kept = backend.completeAsync(CALL);
        CompletableFuture<Completion> cancelled = backend.completeAsync(CALL);
        cancelled.cancel(false);
        queued.forEach(Runnable::run);

        assertThat(kept.join().text()).isEqualTo("x");
        assertThat(model.requests).hasSize(1);
    }

    @Test
    void the_async_form_completes_exceptionally_with_a_backend_exception() {
        FakeChatModel model = new FakeChatModel(request -> {
            throw new RateLimitException("slow down");
        });

        CompletableFuture<Completion> future = LangChain4jBackend.builder(model).executor(Runnable::run).build()
                .completeAsync(CALL);

        assertThat(future).isCompletedExceptionally();
        assertThatThrownBy(future::join).hasCauseInstanceOf(BackendException.class);
    }
}
