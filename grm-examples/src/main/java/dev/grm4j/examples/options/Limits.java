package dev.grm4j.examples.options;

import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

/** Bounds the commands share, so that {@code --k 33} means the same to eval, serve and bench. */
public final class Limits {

    /** k beyond this is more likely a typo than a plan: the paper stops at 32. */
    public static final int MAX_K = 1024;

    /** Far above what one server can take; a larger value is more likely a typo than a plan. */
    public static final int MAX_CONCURRENCY = 1024;

    private Limits() {
    }

    /** Checks the {@code --k} of a command that votes. */
    public static void requireK(CommandLine command, int k) {
        if (k < 1 || k > MAX_K) {
            throw new ParameterException(command, "--k must be in 1.." + MAX_K + ", was " + k);
        }
    }

    /** Checks {@code --concurrency} of a batch command. */
    public static void requireConcurrency(CommandLine command, int concurrency) {
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new ParameterException(command,
                    "--concurrency must be in 1.." + MAX_CONCURRENCY + ", was " + concurrency);
        }
    }
}
