package dev.grm4j.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** What a new user meets first: typos answered with the right name, a version, exit codes, empty inputs. */
class CliFirstHourTest {

    @TempDir
    Path dir;

    @Test
    void a_mistyped_command_or_option_gets_the_closest_name() {
        CliRun command = grm("scor");
        CliRun option = grm("score", "--in", "x.jsonl", "--concurency", "3");

        assertThat(command.exitCode()).isEqualTo(2);
        assertThat(command.err()).contains("Did you mean: grm score?");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.err()).contains("--concurrency").contains("run 'grm score --help'");
    }

    @Test
    void version_names_the_build() {
        CliRun version = grm("--version");

        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("grm ").doesNotContain("unknown").contains("Java");
    }

    @ParameterizedTest
    @ValueSource(strings = {"score", "eval", "bench", "serve", "sim-server", "rft", "train-metarm", "models"})
    void every_commands_help_lists_its_exit_codes(String name) {
        assertThat(grm(name, "--help").out()).containsIgnoringCase("exit code");
    }

    @Test
    void an_empty_input_is_said_so_never_a_silent_success() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));

        CliRun score = grm("score", "--in", empty.toString(), "--backend", "simulated");
        CliRun eval = grm("eval", "--in", empty.toString(), "--backend", "simulated");

        assertThat(score.err()).contains("warning: the input held no lines: nothing was scored");
        assertThat(eval.err()).contains("holds no items: nothing was evaluated");
        assertThat(eval.out()).doesNotContain("NaN");
    }
}
