package dev.grm4j.metarm;

import dev.grm4j.core.internal.AsyncLimiter;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.internal.Json;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scalar meta RM behind HTTP: one POST per scored sample, the score read at a JSON Pointer of the
 * answer. Calls run on the {@link HttpClient}'s executor, at most {@code maxConcurrency} in flight per
 * instance.
 */
final class RemoteMetaRm implements MetaRewardModel {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(text|query|model)}}");
    private static final int SHOWN_BODY_CHARS = 200;

    /**
     * What {@link MetaRewardModel.RemoteBuilder} configured, checked there; the headers are copied in
     * their order.
     */
    record Settings(URI url, String bodyTemplate, JsonPointer scorePointer, String model, Duration timeout,
                    int maxConcurrency, Map<String, String> headers, HttpClient client,
                    BiFunction<GrmRequest, Judgement, String> textFormat) {
        Settings {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(bodyTemplate, "bodyTemplate");
            Objects.requireNonNull(scorePointer, "scorePointer");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(timeout, "timeout");
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(textFormat, "textFormat");
        }
    }

    private final Settings settings;
    private final AsyncLimiter gate;

    RemoteMetaRm(Settings settings) {
        this.settings = settings;
        this.gate = new AsyncLimiter(settings.maxConcurrency());
    }

    /**
     * Sends one POST per scored sample at once (bounded by {@code maxConcurrency}). Fails with a
     * {@link MetaRatingException} naming the lowest sample whose call failed (I/O error, timeout, a
     * status other than 2xx) or whose answer had no finite number at the score pointer.
     */
    @Override
    public CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples) {
        Ratings.check(request, samples);
        return Ratings.each(samples, index -> {
            String body = body(request, samples.get(index));
            HttpRequest.Builder post = HttpRequest.newBuilder(settings.url()).timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            settings.headers().forEach(post::setHeader);
            HttpRequest call = post.build();
            return gate.run(() -> settings.client().sendAsync(call, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)))
                    .handle((response, error) -> {
                        if (error != null) {
                            Throwable cause = Futures.unwrap(error);
                            throw new MetaRatingException("meta RM call for sample " + index + " to " + settings.url()
                                    + " failed: " + cause, cause, index, null, -1);
                        }
                        return score(response, index);
                    });
        });
    }

    @Override
    public String name() {
        return "remote(" + settings.url() + ")";
    }

    private String body(GrmRequest request, Judgement judgement) {
        String text = settings.textFormat().apply(request, judgement);
        Matcher placeholder = PLACEHOLDER.matcher(settings.bodyTemplate());
        StringBuilder body = new StringBuilder();
        while (placeholder.find()) {
            String value = switch (placeholder.group(1)) {
                case "text" -> text;
                case "query" -> request.query();
                default -> settings.model();
            };
            placeholder.appendReplacement(body, Matcher.quoteReplacement(literal(value)));
        }
        placeholder.appendTail(body);
        return body.toString();
    }

    private double score(HttpResponse<String> response, int index) {
        String body = response.body() == null ? "" : response.body();
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw new MetaRatingException("meta RM answered HTTP " + status + " for sample " + index + ": "
                    + Ratings.show(body, SHOWN_BODY_CHARS), null, index, body, status);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MetaRatingException("meta RM answer for sample " + index + " is not JSON: "
                    + Ratings.show(body, SHOWN_BODY_CHARS), e, index, body, status);
        }
        JsonNode value = root == null ? null : root.at(settings.scorePointer());
        if (value == null || !value.isNumber() || !Double.isFinite(value.doubleValue())) {
            throw new MetaRatingException("meta RM answer for sample " + index + " has no finite number at "
                    + settings.scorePointer() + ": " + Ratings.show(body, SHOWN_BODY_CHARS), null, index, body, status);
        }
        return value.doubleValue();
    }

    private static String literal(String value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }

    /** The query, the responses as the judge saw them, and the judge's own output. */
    static String defaultText(GrmRequest request, Judgement judgement) {
        StringBuilder text = new StringBuilder();
        List<Message> conversation = request.conversation();
        for (Message message : conversation.subList(0, conversation.size() - 1)) {
            text.append(message.role().name().toLowerCase(java.util.Locale.ROOT)).append(": ")
                    .append(message.content()).append('\n');
        }
        text.append("Query:\n").append(request.query()).append("\n\n");
        List<Integer> order = judgement.order();
        for (int p = 0; p < order.size(); p++) {
            text.append("[Response ").append(p + 1).append("]\n").append(request.responses().get(order.get(p)))
                    .append("\n[End of Response ").append(p + 1).append("]\n\n");
        }
        text.append("[Judgement]\n")
                .append(judgement.rawOutput().isBlank() ? Ratings.judgementText(judgement) : judgement.rawOutput());
        return text.toString();
    }
}
