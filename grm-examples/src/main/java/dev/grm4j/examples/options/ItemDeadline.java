package dev.grm4j.examples.options;

import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

import java.time.Duration;

/**
 * {@code --deadline S} of the batch commands ({@code score}, {@code eval}, {@code rft}): the most one
 * item may take from its start, every call, retry and wait of it included. An item not done by then is
 * a failure of that item (its calls still out are cancelled), never a hang of the run.
 */
public final class ItemDeadline {

    /** The default, in seconds: room for a 60 s call timeout and its retries, and for queueing. */
    static final String DEFAULT_SECONDS = "300";

    /** A day: a longer deadline is more likely a typo than a plan. */
    private static final double MAX_SECONDS = 86_400;

    @Option(names = "--deadline", paramLabel = "S", defaultValue = DEFAULT_SECONDS,
            description = "The most one item may take, in seconds, counted from its start: every call, retry and "
                    + "wait of it. An item not done by then fails (its calls are cancelled) and the run goes on "
                    + "(default: ${DEFAULT-VALUE}).")
    double seconds;

    /**
     * The deadline.
     *
     * @throws ParameterException if it is not in (0, 86400] seconds
     */
    public Duration get(CommandLine command) {
        if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
            throw new ParameterException(command, "--deadline must be in (0, " + (long) MAX_SECONDS
                    + "] seconds, was " + seconds);
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
