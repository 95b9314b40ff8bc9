/**
 * The {@code grm} command itself: {@link dev.grm4j.examples.cli.GrmCli} names the subcommands, sets UTF-8
 * output and turns usage errors into one line. Each subcommand lives in the package of its job
 * ({@code score}, {@code eval}, {@code bench}, {@code serve}, {@code train}); this package depends on
 * them, never the other way round.
 */
package dev.grm4j.examples.cli;
