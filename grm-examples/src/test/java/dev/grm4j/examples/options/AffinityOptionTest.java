package dev.grm4j.examples.options;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Loopback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --affinity}: where each judge call carries its request's key for a prefix-aware router. */
class AffinityOptionTest {

    private record Seen(JsonNode body, Map<String, List<String>> headers) {
    }

    @TempDir
    Path dir;

    @Test
    void by_default_the_key_goes_in_openais_user_field() throws IOException {
        Seen seen = firstCall();

        assertThat(seen.body().path("user").asText()).matches("grm4j-[0-9a-f]+");
        assertThat(seen.headers()).doesNotContainKey("X-session-id");
    }

    @Test
    void a_header_carries_it_instead_when_asked() throws IOException {
        Seen seen = firstCall("--affinity", "header:X-Session-Id");

        assertThat(seen.body().has("user")).isFalse();
        assertThat(seen.headers().get("X-session-id")).singleElement().asString().matches("grm4j-[0-9a-f]+");
    }

    @Test
    void another_body_field_or_none_at_all() throws IOException {
        assertThat(firstCall("--affinity", "field:session_id").body().path("session_id").asText())
                .startsWith("grm4j-");
        JsonNode none = firstCall("--affinity", "none").body();
        assertThat(none.has("user")).isFalse();
        assertThat(none.toString()).doesNotContain("grm4j-");
    }

    @Test
    void a_malformed_value_or_a_reserved_field_is_a_usage_error_naming_the_option() throws IOException {
        Path in = items();
        CliRun bogus = CliRun.grm("score", "--in", in.toString(), "--base-url", "http://127.0.0.1:9/v1", "--model", "judge",
                "--affinity", "cookie");
        CliRun reserved = CliRun.grm("score", "--in", in.toString(), "--base-url", "http://127.0.0.1:9/v1", "--model", "judge",
                "--affinity", "field:messages");
        CliRun simulated = CliRun.grm("score", "--in", in.toString(), "--backend", "simulated",
                "--affinity", "none");

        assertThat(bogus.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(bogus.err()).contains("--affinity: expected field:NAME, header:NAME or none, was 'cookie'");
        assertThat(reserved.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(reserved.err()).contains("--affinity: affinityField must be a free body field name");
        assertThat(simulated.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(simulated.err()).contains("--affinity");
    }

    /** Runs score against a judge that records its first call and refuses every call (401 stops the run). */
    private Seen firstCall(String... options) throws IOException {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (Loopback judge = Loopback.handling((exchange, body) -> {
            seen.add(new Seen(CliRun.parse(body), Map.copyOf(exchange.getRequestHeaders())));
            Loopback.send(exchange, 401, "{\"error\": {\"message\": \"no\"}}");
        })) {
            List<String> args = new java.util.ArrayList<>(List.of("score", "--in", items().toString(),
                    "--out", dir.resolve("out.jsonl").toString(), "--base-url", judge.baseUrl(), "--model", "judge", "--no-progress"));
            args.addAll(List.of(options));
            CliRun run = CliRun.grm(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        }
        assertThat(seen).isNotEmpty();
        return seen.get(0);
    }

    private Path items() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"id\":\"a\",\"prompt\":\"q\",\"responses\":[\"x\",\"y\"]}\n");
        return in;
    }
}
