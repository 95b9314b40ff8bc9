package dev.grm4j.examples.options;

import picocli.CommandLine;

/** The exit codes every {@code grm} command shares; scripts branch on them, so they never change. */
public final class ExitCode {

    /** Every line was scored. */
    public static final int OK = 0;
    /** An I/O error (or a bug) stopped the run; picocli's own code for exceptions. */
    public static final int FAILED = CommandLine.ExitCode.SOFTWARE;
    /** Bad command line or unusable files; picocli's own code for usage errors. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** The run completed, but some lines failed or were invalid. */
    public static final int PARTIAL = 3;
    /**
     * The judge is unreachable (see {@code JudgeWatch}): a batch command stopped early, leaving what it
     * wrote valid (and, for {@code grm score}, resumable).
     */
    public static final int UNREACHABLE = 4;

    private ExitCode() {
    }
}
