package dev.grm4j.metarm;

import dev.grm4j.metarm.TrajectoryRecord.TrajectoryWriter;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmFormatException;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrajectoryRecordTest {

    static final GrmRequest PAIR = GrmRequest.of("Which is right?", "Paris", "Lyon");

    static Judgement scored(List<Integer> scores, List<Integer> order) {
        return Judgement.scored(List.of(new Principle("Accuracy (100%): right or wrong.", 1.0)),
                "Response 1: fine. Response 2: wrong.", scores, "Specific Criteria: ...", order,
                TokenUsage.of(10, 5), Duration.ofMillis(3));
    }

    @ParameterizedTest(name = "scores {0}, best {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
            "8,5; 0; true",
            "5,8; 0; false",
            "8,8; 0; false",
            "6,9,7; 1; true",
            "6,9,9; 1; false"})
    void the_label_is_paper_eq_10_the_best_response_strictly_on_top(String scores, int best, boolean label) {
        List<Integer> parsed = Arrays.stream(scores.split(",")).map(Integer::valueOf).toList();
        List<String> responses = new ArrayList<>();
        for (int i = 0; i < parsed.size(); i++) {
            responses.add("response " + i);
        }
        GrmRequest request = GrmRequest.of("q?", responses);

        TrajectoryRecord record = TrajectoryRecord.of("x", 0, request,
                scored(parsed, java.util.stream.IntStream.range(0, parsed.size()).boxed().toList()), OptionalInt.of(best));

        assertThat(record.label()).contains(label);
    }

    @Test
    void there_is_no_label_without_scores_a_known_best_or_a_second_response() {
        Judgement failed = Judgement.unparseable("no box", "text", List.of(1, 0), TokenUsage.ZERO, Duration.ZERO);

        assertThat(TrajectoryRecord.of("x", 0, PAIR, failed, OptionalInt.of(0)).label()).isEmpty();
        assertThat(TrajectoryRecord.of("x", 0, PAIR, scored(List.of(8, 5), List.of(0, 1)), OptionalInt.empty()).label())
                .isEmpty();
        assertThat(TrajectoryRecord.of("x", 0, GrmRequest.of("q?", "only"), scored(List.of(8), List.of(0)),
                OptionalInt.of(0)).label()).isEmpty();
    }

    @Test
    void every_outcome_survives_the_writer_and_the_reader() throws IOException {
        GrmRequest request = GrmRequest.builder()
                .conversation(List.of(Message.system("Be brief."), Message.user("Hi"), Message.assistant("Hello!"),
                        Message.user("Capital of France? \"quoted\"\nnew line")))
                .responses("Paris", "Lyon")
                .reference("Paris")
                .principles(List.of(new Principle("Correct capital", 2.0)))
                .build();
        List<Judgement> samples = List.of(
                scored(List.of(9, 3), List.of(1, 0)),
                Judgement.unparseable("no \\boxed{...}", "raw text", List.of(0, 1), TokenUsage.ZERO, Duration.ZERO),
                Judgement.truncated("cut", List.of(1, 0), TokenUsage.ZERO, Duration.ZERO, 64),
                Judgement.backendError(new IllegalStateException("HTTP 500: busy"), List.of(0, 1), Duration.ZERO));
        StringWriter file = new StringWriter();

        try (TrajectoryWriter writer = TrajectoryWriter.of(file)) {
            writer.write("item-1", request, samples, OptionalInt.of(0));
            assertThat(writer.lines()).isEqualTo(4);
        }
        List<TrajectoryRecord> read = TrajectoryReader.readAll(new StringReader(file.toString()));

        assertThat(file.toString().split("\n")).hasSize(4);
        assertThat(read).hasSize(4);
        assertThat(read).extracting(TrajectoryRecord::outcome).containsExactly(Outcome.SCORED, Outcome.UNPARSEABLE,
                Outcome.TRUNCATED, Outcome.BACKEND_ERROR);
        assertThat(read).extracting(TrajectoryRecord::sample).containsExactly(0, 1, 2, 3);
        assertThat(read).allSatisfy(record -> {
            assertThat(record.request()).isEqualTo(request);
            assertThat(record.request().fingerprint()).isEqualTo(request.fingerprint());
            assertThat(record.item()).isEqualTo("item-1");
        });
        assertThat(read.get(1).request()).as("one request instance per item").isSameAs(read.get(0).request());
        TrajectoryRecord first = read.get(0);
        assertThat(first.scores()).containsExactly(9, 3);
        assertThat(first.order()).containsExactly(1, 0);
        assertThat(first.label()).contains(true);
        assertThat(first.judgement().presentedScores()).containsExactly(3, 9);
        assertThat(first.principles()).containsExactly(new Principle("Accuracy (100%): right or wrong.", 1.0));
        assertThat(read.get(2).judgement().failure()).contains("output cut off at maxOutputTokens 64 (finish reason length)");
        assertThat(read.get(3).judgement().failure()).contains("HTTP 500: busy");
        assertThat(read).extracting(TrajectoryRecord::toJson)
                .containsExactlyElementsOf(Arrays.asList(file.toString().split("\n")));
    }

    @Test
    void a_line_has_the_documented_fields() {
        String json = TrajectoryRecord.of("item-7", 2, PAIR, scored(List.of(8, 5), List.of(1, 0)), OptionalInt.of(0))
                .toJson();

        assertThat(json).startsWith("{\"format\":\"grm4j-trajectory\",\"version\":1,\"item\":\"item-7\",\"sample\":2,")
                .contains("\"prompt\":\"Which is right?\"", "\"responses\":[\"Paris\",\"Lyon\"]", "\"outcome\":\"SCORED\"",
                        "\"scores\":[8,5]", "\"order\":[1,0]", "\"best\":0", "\"label\":true", "\"critique\":",
                        "\"principles\":[{\"text\":", "\"raw_output\":")
                .doesNotContain("history", "reference", "failure");
    }

    @Test
    void the_reader_names_the_line_of_a_malformed_record(@TempDir Path dir) throws IOException {
        String good = TrajectoryRecord.of("a", 0, PAIR, scored(List.of(8, 5), List.of(0, 1)), OptionalInt.of(0)).toJson();
        Path file = dir.resolve("t.jsonl");
        Files.writeString(file, good + "\n\n" + good.replace("\"sample\":0", "\"sample\":1") + "\n{\"format\": oops\n"
                + good + "\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> TrajectoryReader.readAll(file))
                .isInstanceOf(MetaRmFormatException.class)
                .hasMessageStartingWith("line 4: not valid JSON")
                .satisfies(e -> assertThat(((MetaRmFormatException) e).line()).hasValue(4));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "\"format\":\"grm4j-trajectory\"|\"format\":\"other\"|format: expected \"grm4j-trajectory\"",
            "\"version\":1|\"version\":2|version: this reader knows version 1, was 2",
            "\"scores\":[8,5]|\"scores\":[8]|a scored sample needs 2 scores, has 1",
            "\"order\":[0,1]|\"order\":[0,0]|order must be a permutation of 0..1",
            "\"label\":true|\"label\":false|label: false contradicts scores [8, 5] and best 0",
            "\"best\":0|\"best\":5|best must be in 0..1, was 5",
            "\"outcome\":\"SCORED\"|\"outcome\":\"GREAT\"|outcome: unknown outcome 'GREAT'",
            "\"prompt\":\"Which is right?\"|\"prompt\":3|prompt: expected a string"})
    void a_bad_field_is_named_with_the_line(String field, String replacement, String message) {
        String good = TrajectoryRecord.of("a", 0, PAIR, scored(List.of(8, 5), List.of(0, 1)), OptionalInt.of(0)).toJson();
        assertThat(good).contains(field);
        String bad = good.replace(field, replacement);

        assertThatThrownBy(() -> TrajectoryReader.readAll(new StringReader(good + "\n" + bad + "\n")))
                .isInstanceOf(MetaRmFormatException.class)
                .hasMessageStartingWith("line 2: ")
                .hasMessageContaining(message);
    }

    @Test
    void bytes_that_are_not_utf8_are_reported_with_their_line(@TempDir Path dir) throws IOException {
        String good = TrajectoryRecord.of("a", 0, PAIR, scored(List.of(8, 5), List.of(0, 1)), OptionalInt.of(0)).toJson();
        Path file = dir.resolve("t.jsonl");
        byte[] head = (good + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(head, head.length + 3);
        bytes[head.length] = (byte) 0xC3;
        bytes[head.length + 1] = (byte) 0x28;
        bytes[head.length + 2] = '\n';
        Files.write(file, bytes);

        assertThatThrownBy(() -> TrajectoryReader.readAll(file))
                .isInstanceOf(MetaRmFormatException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void items_written_from_many_threads_never_interleave(@TempDir Path dir) throws Exception {
        Simulated simulated = new Simulated(40, 8, 0.4);
        List<dev.grm4j.voting.VoteResult> votes = simulated.votes();
        Path file = dir.resolve("t.jsonl");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (TrajectoryWriter writer = TrajectoryWriter.create(file)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int item = i;
                writes.add(pool.submit(() -> {
                    writer.write("item-" + item, simulated.requests.get(item), votes.get(item).samples(),
                            OptionalInt.of(simulated.bests.get(item)));
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        } finally {
            pool.shutdownNow();
        }

        List<TrajectoryRecord> read = TrajectoryReader.readAll(file);
        assertThat(read).hasSize(320);
        for (int line = 0; line < read.size(); line += 8) {
            String item = read.get(line).item();
            assertThat(read.subList(line, line + 8)).extracting(TrajectoryRecord::item).containsOnly(item);
            assertThat(read.subList(line, line + 8)).extracting(TrajectoryRecord::sample)
                    .containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        }
    }

    @Test
    void a_judgement_that_does_not_fit_the_request_is_rejected_before_anything_is_written() {
        StringWriter file = new StringWriter();
        TrajectoryWriter writer = TrajectoryWriter.of(file);

        assertThatThrownBy(() -> writer.write("x", PAIR, List.of(scored(List.of(8, 5), List.of(0, 1)),
                scored(List.of(8, 5, 1), List.of(0, 1, 2))), OptionalInt.of(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order must be a permutation");
        assertThat(file.toString()).isEmpty();
        assertThat(Optional.of(writer.lines())).contains(0L);
    }
}
