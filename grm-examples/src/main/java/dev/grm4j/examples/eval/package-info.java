/**
 * {@code grm eval}: accuracy at each k on a labelled preference set, with optional meta RM, principle
 * strategy, sample record and report; {@code EvalSimulator} is the simulated judge that knows the labels.
 */
package dev.grm4j.examples.eval;
