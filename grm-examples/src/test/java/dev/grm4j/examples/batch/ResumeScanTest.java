package dev.grm4j.examples.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm score --resume}, in process: what is kept, what is dropped, and what is refused. */
class ResumeScanTest {

    @TempDir
    Path dir;

    @Test
    void continues_after_the_last_whole_line_and_ends_with_the_file_an_uninterrupted_run_writes() throws IOException {
        Path in = items(40);
        byte[] complete = uninterrupted(in);
        // Cut in the middle of line 18, as a killed write would.
        int cut = offsetOfLine(complete, 17) + 25;
        Path out = Files.write(dir.resolve("out.jsonl"), Arrays.copyOf(complete, cut));

        CliRun run = grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated",
                "--resume", "--concurrency", "4");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
        assertThat(run.err()).contains("resuming " + out + ": 17 lines already written, dropped 25 bytes")
                .contains("scored 40 of 40 lines (resumed after line 17)");
    }

    @Test
    void drops_a_last_line_that_ends_in_a_newline_but_is_not_valid_json() throws IOException {
        Path in = items(6);
        byte[] complete = uninterrupted(in);
        byte[] head = Arrays.copyOf(complete, offsetOfLine(complete, 4));
        String broken = "{\"id\":\"item-5\",\"sco\n";
        Path out = Files.write(dir.resolve("out.jsonl"), concat(head, broken));

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
        assertThat(run.err()).contains("4 lines already written, dropped " + broken.length() + " bytes");
    }

    @Test
    void does_nothing_but_summarize_when_the_output_is_already_complete() throws IOException {
        Path in = items(5);
        byte[] complete = uninterrupted(in);
        Path out = Files.write(dir.resolve("out.jsonl"), complete);

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
        assertThat(run.err()).contains("scored 5 of 5 lines (resumed after line 5)");
    }

    @Test
    void is_a_fresh_run_when_the_output_does_not_exist_yet() throws IOException {
        Path in = items(5);
        byte[] complete = uninterrupted(in);
        Path out = dir.resolve("new.jsonl");

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
        assertThat(run.err()).doesNotContain("resuming").contains("scored 5 of 5 lines").doesNotContain("resumed");
    }

    @Test
    void counts_failures_of_the_earlier_run_in_the_summary_and_the_exit_code() throws IOException {
        List<String> lines = new ArrayList<>(IntStream.rangeClosed(1, 6).mapToObj(Jsonl::pair).toList());
        lines.set(1, "not json");
        Path in = Jsonl.write(dir.resolve("in.jsonl"), lines);
        byte[] complete = uninterrupted(in);
        Path out = Files.write(dir.resolve("out.jsonl"), Arrays.copyOf(complete, offsetOfLine(complete, 3)));

        CliRun run = resume(in, out);

        // The invalid line 2 was written by the first run, yet the file as a whole is not all scored.
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(Files.readAllBytes(out)).isEqualTo(complete);
        assertThat(run.err()).contains("scored 5 of 6 lines (resumed after line 3; 1 invalid input: line 2)");
    }

    @Test
    void matches_repeated_ids_and_unreadable_ids_by_position() throws IOException {
        List<String> lines = List.of(
                Jsonl.item("same", "What is 1 + 1?", List.of("2", "3"), 0),
                "{\"prompt\": \"no id\"}",
                Jsonl.item("same", "What is 2 + 2?", List.of("4", "5"), 0),
                Jsonl.item("same", "What is 3 + 3?", List.of("6", "7"), 0),
                Jsonl.item("same", "What is 4 + 4?", List.of("8", "9"), 0));
        Path in = Jsonl.write(dir.resolve("in.jsonl"), lines);
        byte[] complete = uninterrupted(in);
        Path out = Files.write(dir.resolve("out.jsonl"), Arrays.copyOf(complete, offsetOfLine(complete, 3)));

        CliRun run = resume(in, out);

        assertThat(Files.readAllBytes(out)).as(run.toString()).isEqualTo(complete);
        List<JsonNode> written = jsonLines(out);
        assertThat(written).extracting(line -> line.get("id").toString())
                .containsExactly("\"same\"", "null", "\"same\"", "\"same\"", "\"same\"");
    }

    @Test
    void refuses_an_output_whose_ids_differ_from_the_input_and_leaves_it_untouched() throws IOException {
        Path in = items(5);
        byte[] other = uninterrupted(Jsonl.write(dir.resolve("other.jsonl"),
                List.of(Jsonl.pair(1), Jsonl.pair(7), Jsonl.pair(3))));
        byte[] cut = Arrays.copyOf(other, other.length - 10);
        Path out = Files.write(dir.resolve("out.jsonl"), cut);

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--resume: line 2 of " + out + " has id \"item-7\", but line 2 of " + in
                + " has id \"item-2\"");
        assertThat(Files.readAllBytes(out)).isEqualTo(cut);
    }

    @Test
    void compares_ids_as_json_values_so_a_number_is_not_its_string() throws IOException {
        Path in = Jsonl.write(dir.resolve("in.jsonl"), List.of(
                "{\"id\": 7, \"prompt\": \"Say hi.\", \"responses\": [\"hi\", \"go away\"], \"best\": 0}"));
        Path out = Files.writeString(dir.resolve("out.jsonl"), "{\"id\":\"7\",\"outcome\":\"SCORED\"}\n");

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("has id \"7\", but line 1 of " + in + " has id 7");
    }

    @Test
    void refuses_a_broken_line_followed_by_good_ones_instead_of_losing_them() throws IOException {
        Path in = items(6);
        byte[] complete = uninterrupted(in);
        String text = new String(complete, StandardCharsets.UTF_8).replaceFirst("\"item-2\"", "\"item-2");
        Path out = Files.writeString(dir.resolve("out.jsonl"), text);

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("line 2 of " + out + " is not valid JSON, but more lines follow it");
        assertThat(Files.readString(out)).isEqualTo(text);
    }

    @Test
    void refuses_an_output_longer_than_the_input() throws IOException {
        byte[] longer = uninterrupted(items(4));
        Path out = Files.write(dir.resolve("out.jsonl"), longer);
        Path in = Jsonl.write(dir.resolve("short.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2)));

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(out + " has more lines than " + in + " (2)");
    }

    @Test
    void refuses_lines_that_are_not_grm_score_results() throws IOException {
        Path in = items(2);
        Path out = Files.writeString(dir.resolve("out.jsonl"), "{\"id\":\"item-1\"}\n");

        CliRun run = resume(in, out);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("line 1 of " + out + " is not a grm score result");
    }

    @Test
    void requires_an_out_file() {
        CliRun run = grm("score", "--in", items(1).toString(), "--backend", "simulated", "--resume");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--resume requires --out");
    }

    @Test
    void refuses_a_file_another_run_is_writing() throws IOException {
        Path in = items(3);
        String partial = "{\"id\":\"item-1\",\"scores\":[";
        Path out = Files.writeString(dir.resolve("out.jsonl"), partial);

        CliRun resumed;
        CliRun fresh;
        try (FileChannel other = FileChannel.open(out, StandardOpenOption.WRITE); FileLock lock = other.lock()) {
            resumed = resume(in, out);
            fresh = grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated");
        }

        assertThat(resumed.exitCode()).isEqualTo(2);
        assertThat(resumed.err()).contains("--out: cannot resume " + out + ": another run is writing it");
        assertThat(fresh.exitCode()).isEqualTo(2);
        assertThat(fresh.err()).contains("another run is writing it");
        assertThat(Files.readString(out)).isEqualTo(partial);
    }

    @Test
    void treats_ids_as_equal_when_they_are_the_same_json_value() {
        JsonNodeFactory json = JsonNodeFactory.instance;

        assertThat(ResumeScan.sameId(IntNode.valueOf(7), LongNode.valueOf(7))).isTrue();
        assertThat(ResumeScan.sameId(json.numberNode(BigInteger.valueOf(7)), IntNode.valueOf(7))).isTrue();
        assertThat(ResumeScan.sameId(TextNode.valueOf("a"), TextNode.valueOf("a"))).isTrue();
        assertThat(ResumeScan.sameId(null, NullNode.getInstance())).isTrue();
        assertThat(ResumeScan.sameId(TextNode.valueOf("7"), IntNode.valueOf(7))).isFalse();
        assertThat(ResumeScan.sameId(NullNode.getInstance(), TextNode.valueOf("null"))).isFalse();
        assertThat(ResumeScan.sameId(TextNode.valueOf("a"), TextNode.valueOf("b"))).isFalse();
    }

    private Path items(int count) {
        return Jsonl.write(dir.resolve("in-" + count + ".jsonl"), IntStream.rangeClosed(1, count).mapToObj(Jsonl::pair).toList());
    }

    /** What one run without interruption writes: the file every resumed run must end up with. */
    private byte[] uninterrupted(Path in) throws IOException {
        Path out = Files.createTempFile(dir, "reference-", ".jsonl");
        CliRun run = grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated");
        assertThat(run.exitCode()).as(run.toString()).isIn(0, 3);
        return Files.readAllBytes(out);
    }

    private static CliRun resume(Path in, Path out) {
        return grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated", "--resume");
    }

    /** The byte offset where line {@code index} (0-based) starts. */
    private static int offsetOfLine(byte[] text, int index) {
        int offset = 0;
        for (int line = 0; line < index; line++) {
            while (text[offset] != '\n') {
                offset++;
            }
            offset++;
        }
        return offset;
    }

    private static byte[] concat(byte[] head, String tail) {
        byte[] more = tail.getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + more.length);
        System.arraycopy(more, 0, all, head.length, more.length);
        return all;
    }

    private static List<JsonNode> jsonLines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(CliRun::parse).toList();
    }
}
