/**
 * Reads a judge's output, and only its output: principles with weights, the analysis, and the last
 * {@code \boxed{...}} after the Scores label. Anything else is a typed failure with a reason.
 */
@NullMarked
package dev.grm4j.core.parse;

import org.jspecify.annotations.NullMarked;
