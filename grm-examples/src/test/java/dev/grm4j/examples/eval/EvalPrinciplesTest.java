package dev.grm4j.examples.eval;

import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.grm4j.examples.cli.CliRun.grm;
import static dev.grm4j.examples.eval.EvalMetaRmTest.fieldNames;
import static dev.grm4j.examples.eval.EvalMetaRmTest.lastLine;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm eval --principles}: the same items and seeds judged with principles from each strategy. */
class EvalPrinciplesTest {

    @TempDir
    Path dir;

    @Test
    void self_is_the_default_and_costs_no_principle_call() {
        Path in = benchmark(6);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "4");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("principles self:", "principles self: 0 principle calls")
                .containsPattern("judge tokens: [1-9][0-9,]* \\(");
        assertThat(fieldNames(lastLine(run))).containsExactly("accuracy", "items", "samples_per_item");
    }

    @Test
    void once_makes_one_principle_call_per_prompt_and_reports_its_tokens() {
        Path in = benchmark(6);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.8",
                "--k", "4", "--principles", "once");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("principles once:", "principles once: 6 principle calls (0 failed, 18 reused)")
                .containsPattern("principle tokens [1-9][0-9,]* \\(")
                .contains("samples: 24 run, 24 valid");
        assertThat(lastLine(run).get("items").asInt()).isEqualTo(6);
    }

    @Test
    void a_preset_is_given_to_every_sample_and_costs_prompt_tokens_only() {
        Path in = benchmark(6);

        CliRun self = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "2");
        CliRun preset = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "2",
                "--principles", "preset:general");

        assertThat(preset.exitCode()).as(preset.toString()).isZero();
        assertThat(preset.out()).contains("principles preset:general:", "0 principle calls")
                .contains("samples: 12 run, 12 valid");
        assertThat(judgeInputTokens(preset)).isGreaterThan(judgeInputTokens(self));
    }

    @Test
    void a_principles_file_is_read() throws IOException {
        Path in = benchmark(3);
        Path file = Files.writeString(dir.resolve("mine.txt"), "# mine\nCorrect sum (70%): the number is right.\n"
                + "Brevity (30%): no padding.\n");

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "2",
                "--principles", "file:" + file);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("principles file:mine.txt");
    }

    @Test
    void an_unknown_preset_or_strategy_is_a_usage_error_naming_the_known_ones() {
        Path in = benchmark(2);

        CliRun preset = grm("eval", "--in", in.toString(), "--backend", "simulated", "--principles", "preset:legal");
        CliRun strategy = grm("eval", "--in", in.toString(), "--backend", "simulated", "--principles", "twice");
        CliRun file = grm("eval", "--in", in.toString(), "--backend", "simulated",
                "--principles", "file:" + dir.resolve("absent.txt"));

        assertThat(preset.exitCode()).isEqualTo(2);
        assertThat(preset.err()).contains("--principles", "legal", "coding", "general", "math", "safety", "writing");
        assertThat(strategy.exitCode()).isEqualTo(2);
        assertThat(strategy.err()).contains("--principles", "self, once, preset:NAME or file:PATH", "general");
        assertThat(file.exitCode()).isEqualTo(2);
        assertThat(file.err()).contains("--principles", "absent.txt");
    }

    private static long judgeInputTokens(CliRun run) {
        String line = run.out().lines().filter(text -> text.startsWith("judge tokens: ")).findFirst().orElseThrow();
        String in = line.substring(line.indexOf('(') + 1, line.indexOf(" in"));
        return Long.parseLong(in.replace(",", ""));
    }

    private Path benchmark(int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(EvalMetaRmTest.item(i, i % 2));
        }
        return Jsonl.write(dir.resolve("pairs.jsonl"), lines);
    }
}
