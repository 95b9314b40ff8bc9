package dev.grm4j.examples.options;

import dev.grm4j.core.testing.SimulatedJudge;
import picocli.CommandLine;

import java.util.Locale;

/**
 * The simulated judge's profiles. {@code paper} is fitted to the paper's Table 2 (DeepSeek-GRM-27B, the
 * Overall column): items differ in difficulty, so most are decided the same way by nearly every sample;
 * items differ in carelessness, so on a few most samples are careless, lean one way and are sure of
 * themselves, which a vote cannot fix and a meta RM can. The fit and its figures are in docs/simulator.md.
 * {@code independent} is the model before it: every sample an independent draw.
 */
public enum SimProfile {
    PAPER {
        @Override
        public SimulatedJudge.Builder knobs() {
            return SimulatedJudge.builder()
                    .accuracy(PAPER_ACCURACY)
                    .itemSpread(3.0)
                    .carelessRate(0.15)
                    .carelessItemSpread(1.5)
                    .carelessLean(0.10, 4.0, 1)
                    .carelessTells(0.3);
        }
    },
    INDEPENDENT {
        @Override
        public SimulatedJudge.Builder knobs() {
            return SimulatedJudge.builder().accuracy(0.8);
        }
    };

    static final double PAPER_ACCURACY = 0.74;

    /** A fresh builder with the profile's knobs. */
    public abstract SimulatedJudge.Builder knobs();

    /** {@code paper} or {@code independent}, any case. */
    public static final class Converter implements CommandLine.ITypeConverter<SimProfile> {
        @Override
        public SimProfile convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "paper" -> PAPER;
                case "independent" -> INDEPENDENT;
                default -> throw new CommandLine.TypeConversionException(
                        "must be paper or independent, was '" + value + "'");
            };
        }
    }
}
