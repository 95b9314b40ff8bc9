/** Training data and models: {@code grm rft} (rejective fine-tuning samples) and {@code grm train-metarm}. */
package dev.grm4j.examples.train;
