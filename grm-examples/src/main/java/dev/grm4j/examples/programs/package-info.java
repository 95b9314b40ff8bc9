/**
 * Small example programs, each a {@code main} to read top to bottom and copy: {@link
 * dev.grm4j.examples.programs.QuickStart}, {@link dev.grm4j.examples.programs.BestOfN}, {@link
 * dev.grm4j.examples.programs.PairwisePreference} and {@link dev.grm4j.examples.programs.CustomPrinciples};
 * the JUnit example is {@code EvaluationExampleTest} in this module's tests.
 *
 * <p>Every program runs offline on the in-process simulated judge, which writes well-formed GRM output
 * and is right with a chosen probability; each shows in a comment where a real model plugs in. Run one
 * from the repository root after {@code mvn -q install -DskipTests}:
 * {@code java -cp grm-examples/target/grm.jar dev.grm4j.examples.programs.QuickStart}.
 */
package dev.grm4j.examples.programs;
