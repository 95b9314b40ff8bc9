package dev.grm4j.examples.options;

import dev.grm4j.voting.VotingGrm.Adaptive;
import dev.grm4j.voting.VotingGrm.Shuffle;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.util.Locale;

/** The words of {@code --adaptive} and {@code --shuffle}, the same for every command and the native API. */
public final class Modes {

    /** What each {@code --adaptive} word does, for the commands' help. */
    public static final String ADAPTIVE_WORDS = "off runs all k (the paper's Voting@k), exact stops only when the "
            + "samples left cannot change the winner, auto when the chance that they would is below 0.2";

    private Modes() {
    }

    /** {@code off}, {@code exact} or {@code auto}, any case; null when it is none of them. */
    public static Adaptive adaptiveOrNull(String word) {
        return switch (word.strip().toLowerCase(Locale.ROOT)) {
            case "off" -> Adaptive.OFF;
            case "exact" -> Adaptive.EXACT;
            case "auto" -> Adaptive.AUTO;
            default -> null;
        };
    }

    /** {@code balanced}, {@code random} or {@code off}, any case; null when it is none of them. */
    public static Shuffle shuffleOrNull(String word) {
        return switch (word.strip().toLowerCase(Locale.ROOT)) {
            case "balanced" -> Shuffle.BALANCED;
            case "random" -> Shuffle.RANDOM;
            case "off" -> Shuffle.OFF;
            default -> null;
        };
    }

    /** {@code --adaptive} checked, the error naming what was given. */
    public static Adaptive adaptive(CommandLine command, String word) {
        Adaptive mode = adaptiveOrNull(word);
        if (mode == null) {
            throw new ParameterException(command, "--adaptive must be off, exact or auto, was '" + word + "'");
        }
        return mode;
    }

    /** {@code --shuffle} checked, the error naming what was given. */
    public static Shuffle shuffle(CommandLine command, String word) {
        Shuffle mode = shuffleOrNull(word);
        if (mode == null) {
            throw new ParameterException(command, "--shuffle must be balanced, random or off, was '" + word + "'");
        }
        return mode;
    }

    /** The word for a mode, as the flags take it. */
    public static String name(Enum<?> mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
