package dev.grm4j.core.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper of every module, so that every file and every request body is read with
 * the same strictness: a repeated key or text after the value is an error, never silently
 * resolved, and output is one line. Thread-safe once built; never reconfigure it.
 */
public final class Json {

    /** Strict reading, compact writing. */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private Json() {
    }
}
