package dev.grm4j.core.backend;

import dev.grm4j.core.backend.Completion.FinishReason;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI chat completions wire format: writes request bodies, reads answers, and turns HTTP and
 * transport failures into {@link BackendException}s. Stateless; thread-safe.
 */
final class OpenAiProtocol {

    /** Thread-safe once configured; one for the whole JVM keeps Jackson's caches warm. */
    static final ObjectMapper JSON = new ObjectMapper();

    /** Request fields the backend writes itself, or that would break reading the answer. */
    static final Set<String> RESERVED_FIELDS =
            Set.of("model", "messages", "temperature", "max_tokens", "seed", "stop", "stream", "n");

    private static final int EXCERPT_CHARS = 200;

    private OpenAiProtocol() {
    }

    /**
     * The JSON body of one call.
     *
     * @param extraBody field name to already-serialized JSON value, written after the standard fields
     */
    static byte[] requestBody(String model, CompletionRequest request, Map<String, String> extraBody) {
        return requestBody(model, request, extraBody, null);
    }

    /**
     * The JSON body of one call for {@code request.n()} completions.
     *
     * @param affinityField the body field that carries the request's affinity key (OpenAI's {@code user}),
     *                      or null to send none; an extra body field of that name wins
     */
    static byte[] requestBody(String model, CompletionRequest request, Map<String, String> extraBody,
                              @Nullable String affinityField) {
        int estimate = 192;
        for (Message message : request.messages()) {
            estimate += message.content().length() + 32;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimate);
        SamplingOptions sampling = request.sampling();
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("model", model);
            json.writeArrayFieldStart("messages");
            for (Message message : request.messages()) {
                json.writeStartObject();
                json.writeStringField("role", role(message.role()));
                json.writeStringField("content", message.content());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeNumberField("temperature", sampling.temperature());
            json.writeNumberField("max_tokens", sampling.maxOutputTokens());
            if (request.n() > 1) {
                json.writeNumberField("n", request.n());
            }
            if (affinityField != null && request.affinity().isPresent() && !extraBody.containsKey(affinityField)) {
                json.writeStringField(affinityField, request.affinity().get());
            }
            if (sampling.seed().isPresent()) {
                json.writeNumberField("seed", sampling.seed().getAsLong());
            }
            if (!sampling.stop().isEmpty()) {
                json.writeArrayFieldStart("stop");
                for (String stop : sampling.stop()) {
                    json.writeString(stop);
                }
                json.writeEndArray();
            }
            for (Map.Entry<String, String> field : extraBody.entrySet()) {
                json.writeFieldName(field.getKey());
                json.writeRawValue(field.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads a 2xx answer of one completion, the key masked in its text should the judge repeat it; a
     * body that is not a completion is a retriable failure.
     */
    static Completion completion(String url, int status, byte[] body, String secret) {
        return completions(url, status, body, secret, 1).get(0);
    }

    /**
     * Reads a 2xx answer of {@code n} choices (the server's {@code n}), in their {@code index} order.
     * The usage of the call is spread over them: the prompt's tokens on the first (the prompt was read
     * once), the completion tokens in proportion to each choice's length, so that the sums are the call's.
     */
    static List<Completion> completions(String url, int status, byte[] body, String secret, int n) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw malformed(url, status, "body is not JSON: " + excerpt(text(body), secret), e);
        }
        if (root == null || !root.isObject()) {
            throw malformed(url, status, "body is not a JSON object: " + excerpt(text(body), secret), null);
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            String error = errorMessage(root);
            throw malformed(url, status, "answer has no choices"
                    + (error == null ? "" : ": " + excerpt(error, secret)), null);
        }
        if (choices.size() < n) {
            throw malformed(url, status, "answer has " + choices.size() + " choices, " + n + " were asked for", null);
        }
        String[] texts = new String[n];
        FinishReason[] finishes = new FinishReason[n];
        for (int i = 0; i < n; i++) {
            JsonNode choice = choices.get(i);
            // Servers that omit the index list the choices in order.
            int index = choice.path("index").canConvertToInt() ? choice.path("index").asInt() : i;
            if (index < 0 || index >= n) {
                throw malformed(url, status, "choices[" + i + "] has index " + index + ", not in 0.." + (n - 1), null);
            }
            if (texts[index] != null) {
                throw malformed(url, status, "choices[" + i + "] repeats index " + index, null);
            }
            JsonNode message = choice.path("message");
            if (!message.isObject()) {
                throw malformed(url, status, "choices[" + i + "] has no message", null);
            }
            // reasoning_content (DeepSeek, vLLM's reasoning parsers) is deliberately not read: the judge
            // must see only the answer.
            String content = content(message.path("content"));
            if (content == null) {
                throw malformed(url, status, "choices[" + i + "].message.content is neither text nor text parts", null);
            }
            texts[index] = mask(content, secret);
            finishes[index] = switch (choice.path("finish_reason").asText("")) {
                case "stop" -> FinishReason.STOP;
                case "length" -> FinishReason.LENGTH;
                default -> FinishReason.OTHER;
            };
        }
        JsonNode usage = root.path("usage");
        long prompt = Math.max(0, usage.path("prompt_tokens").asLong(0));
        long output = Math.max(0, usage.path("completion_tokens").asLong(0));
        long chars = 0;
        for (String text : texts) {
            chars += text.length();
        }
        List<Completion> completions = new ArrayList<>(n);
        long given = 0;
        for (int i = 0; i < n; i++) {
            long share = i == n - 1 ? output - given
                    : chars == 0 ? output / n : Math.round((double) output * texts[i].length() / chars);
            share = Math.max(0, Math.min(share, output - given));
            given += share;
            completions.add(new Completion(texts[i], TokenUsage.of(i == 0 ? prompt : 0, share), finishes[i]));
        }
        return completions;
    }

    /**
     * The failure for a non-2xx answer: 408, 429 and 5xx may pass on a later try (408 is the server
     * saying it gave up waiting, like a timeout), other statuses will not.
     */
    static BackendException httpError(String url, int status, HttpHeaders headers, byte[] body, String secret,
                                       Instant now) {
        boolean retriable = status == 408 || status == 429 || status >= 500;
        Optional<Duration> retryAfter = retryAfter(headers, now);
        String detail = errorDetail(body, secret);
        String message = "HTTP " + status + " from " + url + (detail.isEmpty() ? "" : ": " + detail)
                + retryAfter.map(wait -> " (retry after " + wait.toMillis() + " ms)").orElse("");
        return new BackendException(message, null, retriable, OptionalInt.of(status), retryAfter);
    }

    /**
     * The failure for an exchange that got no answer. I/O failures (refused, reset, timed out) may pass
     * on a later try; anything else (a bad URL, a security manager's veto) will not.
     *
     * @param connectTimeout the client's connect timeout, or null if it has none
     */
    static BackendException transportError(String url, Throwable failure, Duration callTimeout,
                                           Duration connectTimeout) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String message;
        if (cause instanceof HttpConnectTimeoutException) {
            message = "could not connect to " + url
                    + (connectTimeout == null ? " in time" : " within " + connectTimeout.toMillis() + " ms (connectTimeout)");
        } else if (cause instanceof HttpTimeoutException) {
            message = "no answer from " + url + " within " + callTimeout.toMillis() + " ms (callTimeout)";
        } else if (Failures.isConnectFailure(cause)) {
            return new BackendConnectException("could not connect to " + url + ": "
                    + Failures.connectProblem(cause, host(url)), cause);
        } else if (cause instanceof IOException) {
            message = "connection to " + url + " failed: " + Failures.describe(cause);
        } else {
            return new BackendException("call to " + url + " failed: " + Failures.describe(cause), cause, false,
                    OptionalInt.empty(), Optional.empty());
        }
        return new BackendException(message, cause, true, OptionalInt.empty(), Optional.empty());
    }

    /**
     * How long the server asked to wait: OpenAI's {@code retry-after-ms} if present, else
     * {@code Retry-After} as delta-seconds or an HTTP-date (a date in the past means no wait).
     */
    static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        Optional<String> millis = headers.firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                double value = Double.parseDouble(millis.get().trim());
                if (value >= 0 && value < 1e12) {
                    return Optional.of(Duration.ofNanos((long) (value * 1_000_000)));
                }
            } catch (NumberFormatException e) {
                // Fall through to Retry-After.
            }
        }
        return headers.firstValue("retry-after").flatMap(value -> retryAfter(value, now));
    }

    /** Parses one {@code Retry-After} value; empty when it is neither form. */
    static Optional<Duration> retryAfter(String value, Instant now) {
        String trimmed = value.trim();
        if (!trimmed.isEmpty() && trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return trimmed.length() > 12 ? Optional.empty() : Optional.of(Duration.ofSeconds(Long.parseLong(trimmed)));
        }
        try {
            Instant date = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(date.isAfter(now) ? Duration.between(now, date) : Duration.ZERO);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The server's own words, shortened, from an OpenAI, vLLM or FastAPI error body, or the raw text. */
    static String errorDetail(byte[] body, String secret) {
        if (body.length == 0) {
            return "";
        }
        String message = null;
        try {
            JsonNode root = JSON.readTree(body);
            if (root != null && root.isObject()) {
                message = errorMessage(root);
            }
        } catch (IOException e) {
            // Not JSON: show the text itself.
        }
        return excerpt(message != null ? message : text(body), secret);
    }

    /**
     * At most {@link #EXCERPT_CHARS} characters on one line, with the API key masked should the server
     * echo it: error messages end up in logs.
     */
    static String excerpt(String text, String secret) {
        String masked = mask(text, secret);
        StringBuilder out = new StringBuilder(Math.min(masked.length(), EXCERPT_CHARS + 1));
        boolean space = false;
        for (int i = 0; i < masked.length() && out.length() < EXCERPT_CHARS; i++) {
            char c = masked.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                space = out.length() > 0;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(c);
        }
        return out.length() >= EXCERPT_CHARS ? out.append('…').toString() : out.toString();
    }

    private static String errorMessage(JsonNode root) {
        JsonNode error = root.path("error");
        if (error.isObject() && error.path("message").isTextual()) {
            return error.path("message").asText();
        }
        if (error.isTextual()) {
            return error.asText();
        }
        if (root.path("message").isTextual()) {
            return root.path("message").asText();
        }
        JsonNode detail = root.path("detail");
        if (detail.isTextual()) {
            return detail.asText();
        }
        return detail.isMissingNode() || detail.isNull() ? null : detail.toString();
    }

    /** Text content, or the text parts joined; "" for null; null if it is something else. */
    private static @Nullable String content(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isMissingNode() || content.isNull()) {
            return "";
        }
        if (content.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (JsonNode part : content) {
                if (part.path("text").isTextual() && "text".equals(part.path("type").asText("text"))) {
                    joined.append(part.path("text").asText());
                }
            }
            return joined.toString();
        }
        return null;
    }

    private static BackendException malformed(String url, int status, String detail, Throwable cause) {
        // Retriable: a proxy answering with an error page, or a server restarting behind a load balancer,
        // usually sends a proper answer on the next try; a caller's bounded retries cover the rest.
        return new BackendException("HTTP " + status + " from " + url + " is not a chat completion: " + detail,
                cause, true, OptionalInt.of(status), Optional.empty());
    }

    private static String role(Message.Role role) {
        return switch (role) {
            case SYSTEM -> "system";
            case USER -> "user";
            case ASSISTANT -> "assistant";
        };
    }

    /** Decodes enough of the body to mask the key wherever the excerpt could show it. */
    private static String text(byte[] body) {
        return new String(body, 0, Math.min(body.length, 64 * 1024), StandardCharsets.UTF_8);
    }

    private static @Nullable String host(String url) {
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * {@code text} with the API key replaced by {@code ***}: a judge may repeat what it was sent, and
     * whatever it writes ends up in critiques, records and training data.
     */
    static String mask(String text, String secret) {
        return secret == null || secret.isEmpty() || !text.contains(secret) ? text : text.replace(secret, "***");
    }
}
