/** What the CLI draws on a terminal: one progress bar, for items and for bytes. */
package dev.grm4j.examples.terminal;
