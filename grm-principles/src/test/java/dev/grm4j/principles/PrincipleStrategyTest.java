package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PrincipleStrategyTest {

    private static final GrmRequest REQUEST = GrmRequest.of("What is 2 + 2?", "4", "5");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"general", "safety", "coding", "math", "writing"})
    void ships_each_preset_with_weighted_principles_summing_to_one(String name) {
        PrincipleStrategy preset = PrincipleStrategy.preset(name);

        List<Principle> principles = preset.principles(REQUEST);

        assertThat(preset.name()).isEqualTo("preset:" + name);
        assertThat(principles).hasSizeBetween(3, 8);
        assertThat(principles).allSatisfy(principle -> {
            assertThat(principle.text()).doesNotStartWith("#").contains("%): ");
            assertThat(principle.weight()).isGreaterThan(0);
        });
        assertThat(principles.stream().mapToDouble(Principle::weight).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(preset.stats()).isEqualTo(PrincipleStrategy.Stats.NONE);
    }

    @Test
    void reads_preset_weights_as_written() {
        List<Principle> math = PrincipleStrategy.preset("math").principles(REQUEST);

        assertThat(math.stream().mapToDouble(Principle::weight).toArray())
                .containsExactly(new double[] {0.45, 0.30, 0.15, 0.10}, within(1e-9));
        assertThat(math.get(0).text()).startsWith("Final answer (45%): The final answer is correct");
    }

    @Test
    void lists_the_known_presets_when_asked_for_an_unknown_one() {
        assertThatThrownBy(() -> PrincipleStrategy.preset("medical"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown principle preset 'medical'; known presets are coding, general, math, safety, writing");
        assertThat(PrincipleStrategy.presetNames()).containsExactly("coding", "general", "math", "safety", "writing");
    }

    @Test
    void loads_a_users_own_file_skipping_comments_and_blank_lines() throws IOException {
        Path file = Files.writeString(dir.resolve("legal.txt"), """
                # Our review rubric, v2.

                Citations (50%): every claim cites the statute or case it rests on.
                Jurisdiction (30%): the answer says which jurisdiction it assumes.
                Plain language: a layperson can follow it.
                """);

        PrincipleStrategy legal = PrincipleStrategy.fromFile(file);

        assertThat(legal.name()).isEqualTo("file:legal.txt");
        assertThat(legal.principles(REQUEST).stream().mapToDouble(Principle::weight).toArray())
                .containsExactly(new double[] {0.5 / 1.2, 0.3 / 1.2, 0.4 / 1.2}, within(1e-9));
    }

    @Test
    void refuses_a_file_without_principles_naming_the_file() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing yet\n\n");
        Path zero = Files.writeString(dir.resolve("zero.txt"), "A (0%): a\nB (0%): b\n");

        assertThatThrownBy(() -> PrincipleStrategy.fromFile(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(empty + ": no principles (only blank lines and # comments)");
        assertThatThrownBy(() -> PrincipleStrategy.fromFile(zero))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(zero + ": principle weights sum to 0");
        assertThatThrownBy(() -> PrincipleStrategy.fromFile(dir.resolve("missing.txt")))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void normalizes_a_fixed_list_and_refuses_an_empty_one() {
        PrincipleStrategy fixed = PrincipleStrategy.fixed(List.of(new Principle("Correct", 3), Principle.of("Brief")));

        assertThat(fixed.principles(REQUEST).stream().mapToDouble(Principle::weight).toArray())
                .containsExactly(new double[] {0.75, 0.25}, within(1e-9));
        assertThat(fixed.principlesAsync(REQUEST).join()).isEqualTo(fixed.principles(REQUEST));
        assertThatThrownBy(() -> PrincipleStrategy.fixed(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leaves_principles_to_the_judge_when_self_generated() {
        PrincipleStrategy self = PrincipleStrategy.selfGenerated();

        assertThat(self.principles(REQUEST)).isEmpty();
        assertThat(self.name()).isEqualTo("self");
        assertThat(self.stats().tokens()).isEqualTo(TokenUsage.ZERO);
    }

    @Test
    void builds_the_strategy_a_spec_names() throws IOException {
        ScriptedBackend backend = ScriptedBackend.answering(call -> ScriptedBackend.reply(
                PrincipleAnswers.principlesFor(call)));
        Path file = Files.writeString(dir.resolve("mine.txt"), "Correct (100%): right\n");

        assertThat(PrincipleStrategy.fromSpec("self", backend).name()).isEqualTo("self");
        assertThat(PrincipleStrategy.fromSpec(" once ", backend).name()).isEqualTo("once");
        assertThat(PrincipleStrategy.fromSpec("preset:coding", backend).name()).isEqualTo("preset:coding");
        assertThat(PrincipleStrategy.fromSpec("file:" + file, backend).name()).isEqualTo("file:mine.txt");
        assertThatThrownBy(() -> PrincipleStrategy.fromSpec("twice", backend))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("principle strategy must be self, once, preset:NAME or file:PATH, was 'twice'");
        assertThatThrownBy(() -> PrincipleStrategy.fromSpec("preset:nope", backend))
                .hasMessageContaining("known presets are coding, general, math, safety, writing");
        assertThat(backend.calls()).isEmpty();
    }

    @Test
    void reads_a_spec_without_a_model_for_every_strategy_that_needs_none() throws IOException {
        Path file = Files.writeString(dir.resolve("mine.txt"), "Correct (100%): right\n");

        assertThat(PrincipleStrategy.fromSpec("self").name()).isEqualTo("self");
        assertThat(PrincipleStrategy.fromSpec(" PRESET:math ").principles(REQUEST))
                .isEqualTo(PrincipleStrategy.preset("math").principles(REQUEST));
        assertThat(PrincipleStrategy.fromSpec("file:" + file).name()).isEqualTo("file:mine.txt");
        assertThatThrownBy(() -> PrincipleStrategy.fromSpec("once"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("principle strategy 'once' generates principles with a model:"
                        + " pass its backend to fromSpec(spec, backend)");
        assertThatThrownBy(() -> PrincipleStrategy.fromSpec("twice"))
                .hasMessage("principle strategy must be self, once, preset:NAME or file:PATH, was 'twice'");
    }
}
