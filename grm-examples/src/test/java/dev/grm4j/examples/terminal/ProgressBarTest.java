package dev.grm4j.examples.terminal;

import dev.grm4j.examples.batch.JsonlLines;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

class ProgressBarTest {

    @TempDir
    Path dir;

    @Test
    void shows_the_bar_count_percentage_rate_and_eta() {
        // 412 items in 33.5 s is 12.3 items/s; the 588 left take 47.8 s, shown rounded up.
        assertThat(ProgressBar.render(412, 1000, 0, Duration.ofMillis(33_500)))
                .isEqualTo("[#########...............]  412/1000  41%  12.3 items/s  ETA 0:48");
    }

    @Test
    void shows_no_rate_or_eta_before_the_first_item() {
        assertThat(ProgressBar.render(0, 1000, 0, Duration.ZERO))
                .isEqualTo("[........................]    0/1000   0%  -- items/s  ETA --:--");
        assertThat(ProgressBar.render(0, 1000, 0, Duration.ofSeconds(3)))
                .isEqualTo("[........................]    0/1000   0%  -- items/s  ETA --:--");
    }

    @Test
    void shows_the_time_taken_instead_of_an_eta_when_done() {
        assertThat(ProgressBar.render(1000, 1000, 0, Duration.ofSeconds(83)))
                .isEqualTo("[########################] 1000/1000 100%  12.0 items/s  took 1:23");
        assertThat(ProgressBar.render(0, 0, 0, Duration.ZERO))
                .isEqualTo("[########################] 0/0 100%  -- items/s  took 0:00");
    }

    @Test
    void counts_resumed_items_as_done_but_not_toward_the_rate() {
        // 100 items of this run in 10 s: 10 items/s, and 400 left take 40 s. Counting the 500 resumed
        // ones would claim 60 items/s and an ETA of 7 s.
        assertThat(ProgressBar.render(600, 1000, 500, Duration.ofSeconds(10)))
                .isEqualTo("[##############..........]  600/1000  60%  10.0 items/s  ETA 0:40");
    }

    @Test
    void shows_done_rate_and_elapsed_time_when_the_total_is_unknown() {
        assertThat(ProgressBar.render(412, -1, 0, Duration.ofMillis(33_500)))
                .isEqualTo("412 done  12.3 items/s  0:33 elapsed");
    }

    @Test
    void writes_times_as_minutes_below_an_hour_and_hours_above() {
        assertThat(List.of(0L, 59L, 61L, 3599L, 3600L, 3725L, 99 * 3600L + 3599, 100 * 3600L))
                .extracting(ProgressBar::clock)
                .containsExactly("0:00", "0:59", "1:01", "59:59", "1:00:00", "1:02:05", "99:59:59", ">99h");
    }

    @Test
    void fits_an_80_column_terminal_for_a_million_items() {
        String line = ProgressBar.render(999_999, 1_000_000, 0, Duration.ofMillis(10));

        assertThat(line).hasSizeLessThanOrEqualTo(80);
    }

    @Test
    void redraws_at_most_every_100_ms_and_always_draws_the_final_state() {
        AtomicLong clock = new AtomicLong(5_000_000_000L);
        StringWriter text = new StringWriter();
        ProgressBar bar = ProgressBar.on(new PrintWriter(text), 10, 0, clock::get);

        for (int i = 0; i < 5; i++) {
            clock.addAndGet(10_000_000);
            bar.advance();
        }
        clock.addAndGet(50_000_000);
        bar.advance();
        for (int i = 0; i < 4; i++) {
            bar.advance();
        }
        bar.finish();

        // Drawn at the start, at the 6th item (100 ms after the start) and at the finish.
        assertThat(text.toString().split("\r", -1)).hasSize(4);
        assertThat(text.toString()).contains(" 6/10  60%")
                .endsWith("[########################] 10/10 100%  100.0 items/s  took 0:00" + System.lineSeparator());
    }

    @Test
    void pads_a_shorter_line_so_that_nothing_of_the_longer_one_before_it_stays_visible() {
        AtomicLong clock = new AtomicLong();
        StringWriter text = new StringWriter();
        ProgressBar bar = ProgressBar.on(new PrintWriter(text), -1, 0, clock::get);

        clock.addAndGet(Duration.ofMillis(100).toNanos());
        bar.advance();
        clock.addAndGet(Duration.ofSeconds(100).toNanos());
        bar.finish();

        String[] draws = text.toString().split("\r");
        assertThat(draws[2]).isEqualTo("1 done  10.0 items/s  0:00 elapsed");
        // One character shorter than the line it overwrites, so one space wipes its end.
        assertThat(draws[3]).isEqualTo("1 done  0.0 items/s  1:40 elapsed " + System.lineSeparator());
    }

    @Test
    void counts_input_lines_the_way_the_reader_numbers_them() throws IOException {
        assertThat(countOf("")).isZero();
        assertThat(countOf("a\n")).isEqualTo(1);
        assertThat(countOf("a\n\nb")).isEqualTo(3);
        assertThat(countOf("a\r\nb\r\n")).isEqualTo(2);
        String big = "x".repeat(100_000) + "\n";
        assertThat(countOf(big.repeat(3) + "tail")).isEqualTo(4);
    }

    @Test
    void grm_score_draws_the_bar_on_standard_error_when_asked() {
        Path in = Jsonl.write(dir.resolve("items.jsonl"), IntStream.rangeClosed(1, 5).mapToObj(Jsonl::pair).toList());

        CliRun run = grm("score", "--in", in.toString(), "--backend", "simulated", "--progress");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).contains("\r[").contains("5/5 100%").contains("took ")
                .contains("scored 5 of 5 lines");
        // The bar's line is ended before the summary, which starts on a line of its own.
        assertThat(run.err()).containsPattern("took \\d+:\\d\\d *\\R" + "scored 5 of 5 lines");
        assertThat(run.lines()).hasSize(5);
    }

    @Test
    void grm_score_draws_no_bar_when_told_not_to_or_when_standard_error_is_not_a_terminal() {
        Path in = Jsonl.write(dir.resolve("items.jsonl"), IntStream.rangeClosed(1, 3).mapToObj(Jsonl::pair).toList());

        CliRun off = grm("score", "--in", in.toString(), "--backend", "simulated", "--no-progress");
        // Under the build, this JVM's standard error is a pipe or a file, never a terminal.
        CliRun auto = grm("score", "--in", in.toString(), "--backend", "simulated");

        assertThat(off.err()).doesNotContain("\r").contains("scored 3 of 3 lines");
        assertThat(auto.err()).doesNotContain("\r").contains("scored 3 of 3 lines");
    }

    private long countOf(String text) throws IOException {
        Path file = Files.writeString(dir.resolve("count.jsonl"), text, StandardCharsets.UTF_8);
        long counted = JsonlLines.count(file);
        long read = 0;
        try (JsonlLines lines = JsonlLines.open(file)) {
            while (lines.next() != null) {
                read++;
            }
        }
        assertThat(counted).as("count agrees with the reader").isEqualTo(read);
        return counted;
    }
}
