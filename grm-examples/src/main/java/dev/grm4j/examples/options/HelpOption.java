package dev.grm4j.examples.options;

import picocli.CommandLine.Option;

/** {@code -h, --help}, the same words on every command. */
public final class HelpOption {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;
}
