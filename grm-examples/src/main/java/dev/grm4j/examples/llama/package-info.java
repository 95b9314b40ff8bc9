/**
 * The embedded backend: {@link dev.grm4j.examples.llama.LlamaCppBackend} runs a GGUF model in process
 * on llama.cpp, with the output held to the GRM layout by a grammar; {@link dev.grm4j.examples.llama.ModelCatalog}
 * names the models it knows, each file pinned by revision, size and SHA-256;
 * {@link dev.grm4j.examples.llama.ModelStore} downloads a model once (resumable, checked, every part of a split)
 * into {@code ~/.cache/grm4j/models}, or, offline, never connects; {@link dev.grm4j.examples.llama.LlamaOptions}
 * is what {@code grm --backend llama} adds to the command line, and {@code grm models}
 * ({@link dev.grm4j.examples.llama.ModelsCommand}) lists the catalogue and the store. See {@code docs/backends.md}.
 */
package dev.grm4j.examples.llama;
