/**
 * The embedded backend: {@link dev.grm4j.examples.llama.LlamaCppBackend} runs a GGUF model in process
 * on llama.cpp, with the output held to the GRM layout by a grammar; {@link dev.grm4j.examples.llama.ModelStore}
 * downloads a model once (resumable, checked) into {@code ~/.cache/grm4j/models};
 * {@link dev.grm4j.examples.llama.LlamaOptions} is what {@code grm --backend llama} adds to the command
 * line. See {@code docs/backends.md}.
 */
package dev.grm4j.examples.llama;
