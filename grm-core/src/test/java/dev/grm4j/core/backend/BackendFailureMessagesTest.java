package dev.grm4j.core.backend;

import dev.grm4j.core.backend.OpenAiCompatibleTestSupport.StubServer;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.closedPort;
import static dev.grm4j.core.backend.OpenAiCompatibleTestSupport.judgePrompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every failure names its cause, never a bare class name: real sockets on loopback (a closed port, an
 * unresolvable {@code .invalid} host, a server answering 401 with an OpenAI error body), through both
 * backends. And the key is masked in answers as in failures.
 */
@Timeout(30)
class BackendFailureMessagesTest {

    private static final String KEY = "sk-test-MASKME-9876";
    private static final String INVALID_KEY_BODY = "{\"error\": {\"message\": \"Incorrect API key provided: sk-te***876."
            + " You can find your API key at https://platform.openai.com/account/api-keys.\", \"type\": "
            + "\"invalid_request_error\", \"param\": null, \"code\": \"invalid_api_key\"}}";

    private final List<AutoCloseable> servers = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
    }

    private static OpenAiCompatibleBackend openAi(String baseUrl) {
        return OpenAiCompatibleBackend.builder().baseUrl(baseUrl).modelName("m").apiKey(KEY)
                .callTimeout(Duration.ofSeconds(10)).build();
    }

    private static LangChain4jBackend langChain4j(String baseUrl) {
        return LangChain4jBackend.builder(OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName("m")
                .maxRetries(0).timeout(Duration.ofSeconds(10)).build()).secret(KEY).build();
    }

    private static BackendException failureOf(LlmBackend backend) {
        CompletionException thrown = catchThrowableOfType(CompletionException.class,
                () -> backend.completeAsync(judgePrompt()).join());
        assertThat(thrown).as("the call should fail").isNotNull();
        assertThat(thrown.getCause()).isInstanceOf(BackendException.class);
        return (BackendException) thrown.getCause();
    }

    // --- a closed port ---

    @Test
    void a_closed_port_is_a_refused_connection_naming_the_url() {
        String baseUrl = OpenAiCompatibleTestSupport.baseUrl(closedPort());

        BackendException failure = failureOf(openAi(baseUrl));

        assertThat(failure).isInstanceOf(BackendConnectException.class);
        assertThat(failure.getMessage())
                .isEqualTo("could not connect to " + baseUrl + "/chat/completions: connection refused");
        assertThat(failure.isRetriable()).isTrue();
        assertThat(failure.statusCode()).isEmpty();
    }

    @Test
    void through_langchain4j_a_closed_port_is_a_refused_connection_too() {
        BackendException failure = failureOf(langChain4j(OpenAiCompatibleTestSupport.baseUrl(closedPort())));

        assertThat(failure).isInstanceOf(BackendConnectException.class);
        assertThat(failure.getMessage()).isEqualTo("could not connect to the model server: connection refused");
    }

    // --- an unknown host ---

    @Test
    void an_unresolvable_host_is_named() {
        BackendException failure = failureOf(openAi("http://nohost.invalid/v1"));

        assertThat(failure).isInstanceOf(BackendConnectException.class);
        assertThat(failure.getMessage()).isEqualTo(
                "could not connect to http://nohost.invalid/v1/chat/completions: unknown host nohost.invalid");
    }

    @Test
    void through_langchain4j_an_unresolvable_host_is_an_unknown_host() {
        BackendException failure = failureOf(langChain4j("http://nohost.invalid/v1"));

        assertThat(failure).isInstanceOf(BackendConnectException.class);
        assertThat(failure.getMessage()).startsWith("could not connect to the model server: unknown host");
    }

    // --- a 401 ---

    @Test
    void a_401_shows_the_servers_own_message() {
        StubServer server = started(StubServer.answering(401, INVALID_KEY_BODY));

        BackendException failure = failureOf(openAi(server.baseUrl()));

        assertThat(failure).isNotInstanceOf(BackendConnectException.class);
        assertThat(failure.getMessage()).isEqualTo("HTTP 401 from " + server.baseUrl() + "/chat/completions: "
                + "Incorrect API key provided: sk-te***876. You can find your API key at "
                + "https://platform.openai.com/account/api-keys.");
        assertThat(failure.statusCode()).hasValue(401);
        assertThat(failure.isRetriable()).isFalse();
    }

    @Test
    void through_langchain4j_a_401_carries_its_status_and_the_servers_words() {
        StubServer server = started(StubServer.answering(401, INVALID_KEY_BODY));

        BackendException failure = failureOf(langChain4j(server.baseUrl()));

        assertThat(failure.statusCode()).hasValue(401);
        assertThat(failure.getMessage()).startsWith("HTTP 401: ").contains("Incorrect API key provided");
    }

    // --- no failure message is a bare class name ---

    @Test
    void no_failure_message_is_a_bare_class_name() {
        StubServer server = started(StubServer.answering(401, INVALID_KEY_BODY));
        List<LlmBackend> backends = List.of(
                openAi(OpenAiCompatibleTestSupport.baseUrl(closedPort())), openAi("http://nohost.invalid/v1"),
                openAi(server.baseUrl()),
                langChain4j(OpenAiCompatibleTestSupport.baseUrl(closedPort())), langChain4j("http://nohost.invalid/v1"),
                langChain4j(server.baseUrl()));
        for (LlmBackend backend : backends) {
            String message = failureOf(backend).getMessage();
            assertThat(message).as(backend.toString()).doesNotMatch("[A-Za-z.]*(Exception|Error)")
                    .doesNotContain("RuntimeException").doesNotContain("UnresolvedModelServerException");
        }
    }

    // --- the key in answers ---

    @Test
    void a_judge_that_repeats_the_key_has_it_masked_in_the_answer() {
        String answer = "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": "
                + "\"You sent Authorization: Bearer " + KEY + ". Scores: \\\\boxed{7, 3}\"}, \"finish_reason\": \"stop\"}]}";
        StubServer server = started(StubServer.answering(200, answer));

        Completion completion = openAi(server.baseUrl()).complete(judgePrompt());

        assertThat(completion.text()).isEqualTo("You sent Authorization: Bearer ***. Scores: \\boxed{7, 3}");
        String received = server.received.get(0).headers().getFirst("Authorization");
        assertThat(received).as("the key itself is still sent").isEqualTo("Bearer " + KEY);
    }

    @Test
    void through_langchain4j_the_secret_is_masked_in_the_answer_too() {
        String answer = "{\"id\": \"x\", \"object\": \"chat.completion\", \"created\": 1, \"model\": \"m\", "
                + "\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"key "
                + KEY + " seen\"}, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": 1, "
                + "\"completion_tokens\": 1, \"total_tokens\": 2}}";
        StubServer server = started(StubServer.answering(200, answer));

        Completion completion = langChain4j(server.baseUrl()).complete(judgePrompt());

        assertThat(completion.text()).isEqualTo("key *** seen");
    }

    private StubServer started(StubServer server) {
        servers.add(server);
        return server;
    }
}
