package dev.grm4j.examples.score;

import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.options.BackendOptions;
import dev.grm4j.examples.options.ItemDeadline;
import dev.grm4j.examples.options.Limits;
import dev.grm4j.examples.options.Modes;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.util.function.Function;

/**
 * How {@code grm score} judges items: the judge ({@link BackendOptions}), {@code --k}, {@code --adaptive},
 * {@code --concurrency} and {@code --deadline}. The Spark job (grm-spark) parses the same options, so that
 * a row it scores is the line {@code grm score} writes for the item.
 */
public final class ScoreOptions {

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8",
            description = "Most items judged at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--k", paramLabel = "K", defaultValue = "1",
            description = "Judgements per item: 1 (the default) is one greedy judgement; above 1, a vote of K "
                    + "samples at the paper's temperature, responses in balanced orders, 1.." + Limits.MAX_K + ".")
    int k;

    @Option(names = "--adaptive", paramLabel = "off|exact|auto", defaultValue = "auto",
            description = "With --k above 1, stop an item's sampling once its vote is settled: " + Modes.ADAPTIVE_WORDS
                    + " (default: ${DEFAULT-VALUE}: most votes are clear after a few samples, so a batch costs a "
                    + "fraction of K per item; see docs/voting.md). An item of one response always runs all K.")
    String adaptive;

    @Mixin
    BackendOptions backend;

    @Mixin
    ItemDeadline deadline;

    /** {@code --concurrency}: the most items judged at once. */
    public int concurrency() {
        return concurrency;
    }

    /**
     * Checks the ranges picocli cannot, the judge's options included, without opening the judge.
     *
     * @throws CommandLine.ParameterException naming the option at fault
     */
    public void check(CommandLine command, Function<String, String> environment) {
        Limits.requireConcurrency(command, concurrency);
        Limits.requireK(command, k);
        Modes.adaptive(command, adaptive);
        deadline.get(command);
        backend.check(command, environment);
    }

    /**
     * Opens the judge these options describe, once {@link #check checked}, every call watched by
     * {@code watch}, for {@code concurrency} items at once (the command's own {@code --concurrency}, or a
     * share of it).
     *
     * @throws CommandLine.ParameterException naming the option at fault
     */
    public ItemScorer open(CommandLine command, Function<String, String> environment, JudgeWatch watch,
                           int concurrency) {
        return ItemScorer.open(command, backend, environment, watch, k, Modes.adaptive(command, adaptive),
                concurrency, deadline.get(command));
    }
}
