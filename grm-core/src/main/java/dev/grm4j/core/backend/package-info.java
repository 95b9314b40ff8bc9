/**
 * The LLM backend SPI: one chat call with sampling options, returning text, token usage and a
 * finish reason. {@link dev.grm4j.core.backend.OpenAiCompatibleBackend} talks to OpenAI-compatible servers
 * (vLLM, SGLang, llama.cpp server, OpenAI) without a thread per call, reads Retry-After and spreads
 * calls over a pool of endpoints; {@link dev.grm4j.core.backend.LangChain4jBackend} adapts any
 * langchain4j {@code ChatModel} (Anthropic, Gemini, Ollama...); the simulated judge of the test fixtures
 * ({@code dev.grm4j.core.testing}, in grm-core's tests jar) implements it directly.
 */
@NullMarked
package dev.grm4j.core.backend;

import org.jspecify.annotations.NullMarked;
