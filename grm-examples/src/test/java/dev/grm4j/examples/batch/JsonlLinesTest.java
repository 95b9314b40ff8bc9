package dev.grm4j.examples.batch;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JsonlLinesTest {

    @Test
    void numbers_every_line_including_blank_ones_and_a_last_line_without_newline() throws IOException {
        assertThat(read(bytes("a\n\nb\r\n  \nc"))).containsExactly(
                new JsonlLines.Line(1, "a", true),
                new JsonlLines.Line(2, "", true),
                new JsonlLines.Line(3, "b", true),
                new JsonlLines.Line(4, "  ", true),
                new JsonlLines.Line(5, "c", true));
    }

    @Test
    void reads_nothing_from_an_empty_input_and_no_phantom_line_after_a_final_newline() throws IOException {
        assertThat(read(bytes(""))).isEmpty();
        assertThat(read(bytes("a\n"))).containsExactly(new JsonlLines.Line(1, "a", true));
    }

    @Test
    void drops_a_byte_order_mark_and_flags_bad_utf8_on_its_own_line() throws IOException {
        byte[] input = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'x', '\n', 'y', (byte) 0xC3, '\n', 'z', '\n'};

        List<JsonlLines.Line> lines = read(input);

        assertThat(lines.get(0)).isEqualTo(new JsonlLines.Line(1, "x", true));
        assertThat(lines.get(1).validUtf8()).isFalse();
        assertThat(lines.get(2)).isEqualTo(new JsonlLines.Line(3, "z", true));
    }

    @Test
    void reads_lines_longer_than_its_buffer_and_multibyte_text_across_buffer_edges() throws IOException {
        String longLine = "é".repeat(100_000);

        assertThat(read(bytes(longLine + "\nshort\n"))).containsExactly(
                new JsonlLines.Line(1, longLine, true),
                new JsonlLines.Line(2, "short", true));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<JsonlLines.Line> read(byte[] input) throws IOException {
        List<JsonlLines.Line> lines = new ArrayList<>();
        try (JsonlLines reader = new JsonlLines(new ByteArrayInputStream(input))) {
            for (JsonlLines.Line line = reader.next(); line != null; line = reader.next()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
