/**
 * The option blocks several commands share, as picocli mixins ({@code BackendOptions}, {@code ItemDeadline},
 * {@code HelpOption}), with the bounds ({@code Limits}) and exit codes ({@code ExitCode}) every command
 * uses, so that one flag has one name and one meaning everywhere.
 */
package dev.grm4j.examples.options;
