/**
 * Prompt templates in the paper's layout, and the fences that keep each candidate response apart
 * from the instructions and from the other responses.
 */
@NullMarked
package dev.grm4j.core.prompt;

import org.jspecify.annotations.NullMarked;
