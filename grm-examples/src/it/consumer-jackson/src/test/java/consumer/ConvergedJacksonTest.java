package consumer;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.json.MetricsModule;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Reward;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user who imports grm4j's BOM beside a library with an older Jackson gets at run time. */
class ConvergedJacksonTest {

    private static final String JACKSON = System.getProperty("grm4j.jackson.version");

    /** A Jackson jar in a Maven repository: .../com/fasterxml/jackson/{group}/{artifact}/{version}/{file}. */
    private static final Pattern JACKSON_JAR = Pattern.compile(
            ".*/com/fasterxml/jackson/[^/]+/([^/]+)/([^/]+)/[^/]+\\.jar");

    @Test
    void every_jackson_artifact_on_the_classpath_has_the_boms_version() {
        Map<String, String> versions = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Matcher jar = JACKSON_JAR.matcher(entry.replace(File.separatorChar, '/'));
            if (jar.matches()) {
                versions.put(jar.group(1), jar.group(2));
            }
        }

        // metrics-json alone would bring 2.12.7 of these three; grm-core brings databind and core.
        assertTrue(versions.keySet().containsAll(List.of("jackson-annotations", "jackson-core", "jackson-databind")),
                "jackson on the classpath: " + versions);
        // Since 2.20 jackson-annotations is versioned by minor line only (2.23 beside 2.23.0).
        String annotations = JACKSON.substring(0, JACKSON.lastIndexOf('.'));
        versions.forEach((artifact, version) ->
                assertEquals(artifact.equals("jackson-annotations") ? annotations : JACKSON, version, artifact));
        assertEquals(JACKSON, new ObjectMapper().version().toString());
    }

    @Test
    void grm4j_and_the_older_library_both_work_on_the_converged_jackson() throws Exception {
        // The older library's Jackson module on today's databind.
        String metrics = new ObjectMapper().registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false))
                .writeValueAsString(new MetricRegistry());
        assertTrue(metrics.contains("\"counters\""), metrics);

        // grm4j's JSON path, both ways: it writes the chat request and reads the server's answer.
        HttpServer judge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        judge.createContext("/v1/chat/completions", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher n = Pattern.compile("\"n\"\\s*:\\s*(\\d+)").matcher(body);
            int choices = n.find() ? Integer.parseInt(n.group(1)) : 1;
            StringBuilder answer = new StringBuilder("{\"id\":\"1\",\"object\":\"chat.completion\",\"choices\":[");
            for (int i = 0; i < choices; i++) {
                answer.append(i == 0 ? "" : ",").append("{\"index\":").append(i)
                        .append(",\"message\":{\"role\":\"assistant\",\"content\":")
                        .append(new ObjectMapper().writeValueAsString("""
                                Specific Criteria:
                                1. Accuracy (100%): the answer must be correct.

                                Analysis:
                                Both responses answer; only one is right.

                                Scores: \\boxed{9, 3}"""))
                        .append("},\"finish_reason\":\"stop\"}");
            }
            byte[] bytes = answer.append("],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":10,"
                    + "\"total_tokens\":20}}").toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        judge.start();
        try {
            PointwiseGrm grm = PointwiseGrm.builder(OpenAiCompatibleBackend.builder()
                    .baseUrl("http://127.0.0.1:" + judge.getAddress().getPort() + "/v1").modelName("judge").build())
                    .build();
            GrmRequest request = GrmRequest.of("What is the boiling point of water at sea level?",
                    "100 °C (212 °F).", "About 90 °C.");

            Reward reward = grm.reward(request);
            assertEquals(List.of(9, 3), reward.scores());

            VotingGrm voting = VotingGrm.builder(grm).k(2).seed(42).build();
            VoteResult vote = voting.vote(request);
            assertTrue(vote.isVoted(), vote::toString);
            String record = voting.record(request, vote).toJson();
            assertFalse(record.isBlank());
            assertTrue(record.contains("\"status\":\"VOTED\""), record);
        } finally {
            judge.stop(0);
        }
    }
}
