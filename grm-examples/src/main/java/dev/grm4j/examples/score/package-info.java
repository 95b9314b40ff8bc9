/** {@code grm score}: one result line per input item, in input order, resumable. */
package dev.grm4j.examples.score;
