package dev.grm4j.spark;

import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.score.ItemScorer;
import dev.grm4j.examples.score.ScoreOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the rows are scored: {@code grm score}'s judging flags ({@code --k}, {@code --adaptive},
 * {@code --base-url}, {@code --model}, {@code --seed}, {@code --deadline}, ...; see {@code grm score --help}),
 * with one difference: {@code --concurrency} is the budget of the whole fleet, the most items judged at
 * once over all executors, divided among them. Immutable, and shipped to the executors as written, so
 * that each parses it into the same judge.
 *
 * <pre>{@code
 * SparkScoring scoring = SparkScoring.of("--base-url", "http://judge:8000/v1", "--model", "grm-27b",
 *         "--k", "8", "--concurrency", "256");
 * }</pre>
 */
public final class SparkScoring implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final List<String> flags;
    private final int executors;
    private transient ScoreOptions parsed;

    private SparkScoring(List<String> flags, int executors) {
        this.flags = List.copyOf(flags);
        this.executors = executors;
        this.parsed = parse(this.flags).options;
    }

    /**
     * The scoring these flags describe.
     *
     * @throws IllegalArgumentException naming the flag at fault: unknown, missing a value, out of range
     */
    public static SparkScoring of(String... flags) {
        return of(Arrays.asList(flags));
    }

    /** As {@link #of(String...)}. */
    public static SparkScoring of(List<String> flags) {
        Objects.requireNonNull(flags, "flags");
        return new SparkScoring(flags, 0);
    }

    /**
     * The same scoring, the fleet budget divided among {@code executors}, instead of the number the
     * session's configuration gives ({@code spark.executor.instances}, or
     * {@code spark.dynamicAllocation.maxExecutors}).
     *
     * @throws IllegalArgumentException if {@code executors} is less than 1
     */
    public SparkScoring withExecutors(int executors) {
        if (executors < 1) {
            throw new IllegalArgumentException("executors must be >= 1, was " + executors);
        }
        return new SparkScoring(flags, executors);
    }

    /** The flags, as given. */
    public List<String> flags() {
        return flags;
    }

    /** The executors set by {@link #withExecutors(int)}, or 0 when the session's configuration decides. */
    public int executors() {
        return executors;
    }

    /** {@code --concurrency}: the most items judged at once over the whole fleet. */
    public int fleetConcurrency() {
        return options().concurrency();
    }

    /** The flags parsed; on an executor, parsed again from the flags that were shipped. */
    private ScoreOptions options() {
        if (parsed == null) {
            parsed = parse(flags).options;
        }
        return parsed;
    }

    /**
     * Opens the judge the flags describe, as {@code grm score} does, for {@code concurrency} items at once.
     *
     * @param environment where the judge looks up {@code --api-key-env}: the executor's environment
     * @throws IllegalArgumentException when the judge cannot be opened, saying why
     */
    ItemScorer open(Function<String, String> environment, JudgeWatch watch, int concurrency) {
        Flags command = parse(flags);
        try {
            return command.options.open(command.line, environment, watch, concurrency);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("grm score flags " + flags + ": " + e.getMessage(), e);
        }
    }

    private static Flags parse(List<String> flags) {
        Flags command = new Flags();
        command.line = new CommandLine(command);
        try {
            command.line.parseArgs(flags.toArray(String[]::new));
            command.options.check(command.line, System::getenv);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("grm score flags " + flags + ": " + e.getMessage(), e);
        }
        return command;
    }

    /** The judging options of {@code grm score}, as a command of their own. */
    @Command(name = "grm-spark")
    static final class Flags {
        @Mixin
        ScoreOptions options;

        CommandLine line;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SparkScoring that && flags.equals(that.flags) && executors == that.executors;
    }

    @Override
    public int hashCode() {
        return Objects.hash(flags, executors);
    }

    @Override
    public String toString() {
        return "SparkScoring" + flags + (executors > 0 ? " over " + executors + " executors" : "");
    }
}
