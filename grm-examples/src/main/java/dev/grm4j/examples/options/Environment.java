package dev.grm4j.examples.options;

import java.util.function.Function;

/**
 * Where commands look up environment variables (an API key): the real environment in {@code grm}, a map
 * in tests, so that no test touches the real key. Commands reach it as their parent command.
 */
public interface Environment {

    /** Looks up a variable; null when it is not set. */
    Function<String, String> environment();
}
