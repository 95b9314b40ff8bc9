package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.GrmCli;
import dev.grm4j.examples.options.ExitCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm serve}'s options, and its deadline end to end: the command as a user runs it. */
class ServeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(60)
    void k_and_deadline_out_of_range_are_usage_errors_naming_the_option() {
        Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(List.of("--k", "0"), "--k must be in 1..1024, was 0");
        cases.put(List.of("--k", "1025"), "--k must be in 1..1024, was 1025");
        cases.put(List.of("--k", "-3"), "--k must be in 1..1024, was -3");
        cases.put(List.of("--deadline", "0"), "--deadline must be a number of seconds in (0, 86400]");
        cases.put(List.of("--deadline", "-5"), "--deadline must be a number of seconds in (0, 86400]");
        cases.put(List.of("--deadline", "NaN"), "--deadline must be a number of seconds in (0, 86400]");
        cases.put(List.of("--deadline", "Infinity"), "--deadline must be a number of seconds in (0, 86400]");
        cases.put(List.of("--deadline", "1e9"), "--deadline must be a number of seconds in (0, 86400]");
        cases.put(List.of("--deadline", "0.0001"), "at least 0.001");
        cases.put(List.of("--deadline", "soon"), "'soon' is not a double");
        cases.put(List.of("--concurrency", "0"), "--concurrency must be >= 1, was 0");
        // The name serve had before every command said --concurrency: still taken, and named back.
        cases.put(List.of("--max-concurrency", "0"), "--max-concurrency must be >= 1, was 0");
        cases.put(List.of("--adaptive", "maybe"), "--adaptive must be off, exact or auto, was 'maybe'");
        cases.put(List.of("--shuffle", "on"), "--shuffle must be balanced, random or off, was 'on'");
        cases.put(List.of("--max-body-mb", "4096"), "--max-body-mb must be in 1..2047, was 4096");
        cases.put(List.of("--port", "70000"), "--port must be in 0..65535, was 70000");
        for (Map.Entry<List<String>, String> entry : cases.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("serve", "--backend", "simulated"));
            args.addAll(entry.getKey());
            if (!entry.getKey().contains("--port")) {
                args.addAll(List.of("--port", "0"));
            }
            CliRun run = CliRun.grm(args.toArray(String[]::new));

            assertThat(run.exitCode()).as("%s: %s", entry.getKey(), run).isEqualTo(ExitCode.USAGE);
            assertThat(run.err()).as("%s", entry.getKey()).contains(entry.getValue());
        }
    }

    @Test
    void serve_documents_its_deadline_and_the_bounds_of_k() {
        CliRun help = CliRun.grm("serve", "--help");

        assertThat(help.out()).contains("--deadline=SECONDS").contains("default: 150").contains("1..1024");
        assertThat(help.out()).contains("--concurrency=C").doesNotContain("--max-concurrency");
    }

    /**
     * {@code grm serve --deadline 2} in front of a judge that accepts connections and never answers:
     * the reward request gets 503 with Retry-After, naming the cause, within the 2 s.
     */
    @Test
    @Timeout(60)
    void with_a_judge_that_never_answers_the_reward_request_gets_503_within_the_deadline() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket judge = new ServerSocket(0, 64, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> silentlyAccept(judge, accepted), "silent-judge");
            acceptor.setDaemon(true);
            acceptor.start();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new GrmCli(name -> null));
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int[] exit = {-1};
            Thread serve = new Thread(() -> exit[0] = cli.execute("serve", "--port", "0", "--deadline", "2", "--k", "4",
                    "--backend", "openai", "--base-url", "http://127.0.0.1:" + judge.getLocalPort() + "/v1",
                    "--model", "judge-model"), "grm-serve-under-test");
            serve.start();
            try {
                String base = listening(out, err);
                HttpClient http = HttpClient.newHttpClient();
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                String prompt = "<|im_start|>user\nName three colours.<|im_end|>\n<|im_start|>assistant\n";
                String body = JSON.writeValueAsString(Map.of("query", List.of(prompt + "red"), "prompts", List.of(prompt)));

                long t0 = System.nanoTime();
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/get_reward"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

                JsonNode error = JSON.readTree(response.body()).path("error");
                System.out.printf("[deadline] grm serve --deadline 2 --k 4, judge accepts and never answers:"
                        + " /get_reward -> %d in %d ms: %s%n", response.statusCode(), millis, error.path("message").asText());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(error.path("message").asText()).contains("query[0]: no reward")
                        .containsAnyOf("did not answer in time", "deadline");
                assertThat(millis).isLessThan(2_000);
                assertThat(accepted).as("the judge was called").isNotEmpty();
            } finally {
                serve.interrupt();
                serve.join(10_000);
                for (Socket socket : accepted) {
                    socket.close();
                }
            }
            assertThat(serve.isAlive()).as("serve stops when interrupted").isFalse();
            assertThat(exit[0]).isEqualTo(ExitCode.OK);
            assertThat(err.toString()).contains("stopping: answering requests in flight");
        }
    }

    private static String listening(StringWriter out, StringWriter err) throws InterruptedException {
        Pattern line = Pattern.compile("listening (http://\\S+)");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            Matcher matcher = line.matcher(out.toString());
            if (matcher.find()) {
                return matcher.group(1);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("grm serve did not start:\n" + out + "\n" + err);
    }

    private static void silentlyAccept(ServerSocket judge, List<Socket> accepted) {
        while (!judge.isClosed()) {
            try {
                Socket socket = judge.accept();
                accepted.add(socket);
                Thread drain = new Thread(() -> {
                    try (InputStream in = socket.getInputStream()) {
                        while (in.read(new byte[8192]) >= 0) {
                            // read, never answer
                        }
                    } catch (IOException e) {
                        // closed
                    }
                }, "silent-judge-drain");
                drain.setDaemon(true);
                drain.start();
            } catch (IOException e) {
                return;
            }
        }
    }
}
