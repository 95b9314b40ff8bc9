package dev.grm4j.core.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every setting is checked where it is set, with a message naming it and the bad value. */
class OpenAiCompatibleBuilderTest {

    private static OpenAiCompatibleBackend.Builder builder() {
        return OpenAiCompatibleBackend.builder();
    }

    private static void rejects(Executable setting, String message) {
        assertThatThrownBy(setting::execute).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void base_urls_must_be_absolute_http_urls_without_credentials_query_or_duplicates() {
        rejects(() -> builder().baseUrl("localhost:8000/v1"),
                "baseUrl must be an absolute http or https URL like http://127.0.0.1:8000/v1, was 'localhost:8000/v1'");
        rejects(() -> builder().baseUrl("ftp://host/v1"),
                "baseUrl must be an absolute http or https URL like http://127.0.0.1:8000/v1, was 'ftp://host/v1'");
        rejects(() -> builder().baseUrl("http://host/v 1"), "baseUrl must be a valid URL, was 'http://host/v 1'");
        rejects(() -> builder().baseUrl("https://user:hunter2@host/v1"),
                "baseUrl must not carry credentials (use apiKey), was 'https://***@host/v1'");
        rejects(() -> builder().baseUrl("http://host/v1?key=x"),
                "baseUrl must not have a query or fragment, was 'http://host/v1?key=x'");
        rejects(() -> builder().baseUrls(List.of()), "baseUrls must have at least one URL, was []");
        rejects(() -> builder().baseUrls(List.of("http://a/v1", "http://a/v1/")),
                "baseUrls must not repeat a URL, had http://a/v1 twice");
        assertThatThrownBy(() -> builder().baseUrl(null)).isInstanceOf(NullPointerException.class).hasMessage("baseUrl");
    }

    @Test
    void durations_and_counts_must_be_positive() {
        rejects(() -> builder().callTimeout(Duration.ZERO), "callTimeout must be positive, was PT0S");
        rejects(() -> builder().connectTimeout(Duration.ofSeconds(-1)), "connectTimeout must be positive, was PT-1S");
        rejects(() -> builder().cooldown(Duration.ZERO), "cooldown must be positive, was PT0S");
        rejects(() -> builder().failuresBeforeCooldown(0), "failuresBeforeCooldown must be >= 1, was 0");
        rejects(() -> builder().modelName(" "), "modelName must not be blank, was ' '");
    }

    @Test
    void the_api_key_is_checked_without_being_shown() {
        rejects(() -> builder().apiKey(""), "apiKey must not be empty");
        rejects(() -> builder().apiKey("sk-abc def"),
                "apiKey must not contain whitespace or control characters (value not shown)");
    }

    @Test
    void extra_body_may_not_override_what_the_backend_writes_and_must_be_json() {
        rejects(() -> builder().extraBody(Map.of("temperature", 1.0)),
                "extraBody must not set 'temperature': the backend writes it from the request");
        rejects(() -> builder().extraBody(Map.of("stream", true)),
                "extraBody must not set 'stream': the backend writes it from the request");
        rejects(() -> builder().extraBody(Map.of(" ", 1)), "extraBody keys must not be blank, was ' '");
        assertThatThrownBy(() -> builder().extraBody(Map.of("weird", new Object())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("extraBody value of 'weird' cannot be written as JSON");
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("min_p", null);
        assertThat(builder().extraBody(withNull)).isNotNull();
    }

    @Test
    void build_requires_a_base_url_and_a_model_and_no_connect_timeout_with_a_given_client() {
        assertThatThrownBy(() -> builder().modelName("m").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("baseUrl is required: set baseUrl or baseUrls");
        assertThatThrownBy(() -> builder().baseUrl("http://a/v1").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("modelName is required");
        assertThatThrownBy(() -> builder().baseUrl("http://a/v1").modelName("m")
                .httpClient(HttpClient.newHttpClient()).connectTimeout(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("connectTimeout applies to the default client only: set it on the given httpClient");
        assertThat(builder().baseUrl("http://a/v1").modelName("m").httpClient(HttpClient.newHttpClient()).build()
                .modelName()).isEqualTo("m");
    }
}
