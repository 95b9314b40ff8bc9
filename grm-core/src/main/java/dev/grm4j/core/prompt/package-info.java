/**
 * Prompt templates in the paper's layout, and the fences that keep each candidate response apart
 * from the instructions and from the other responses.
 */
package dev.grm4j.core.prompt;
