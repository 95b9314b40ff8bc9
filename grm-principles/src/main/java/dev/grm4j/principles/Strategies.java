package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Principle;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The strategies that make no call: self-generated and caller-supplied. */
final class Strategies {

    static final PrincipleStrategy SELF = new PrincipleStrategy() {
        @Override
        public CompletableFuture<List<Principle>> principlesAsync(GrmRequest request) {
            Objects.requireNonNull(request, "request");
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public String name() {
            return "self";
        }

        @Override
        public String toString() {
            return "PrincipleStrategy[self]";
        }
    };

    private Strategies() {
    }

    /** The one reading of a strategy spec; {@code once} is whatever the caller can build for it. */
    static PrincipleStrategy fromSpec(String spec, Supplier<PrincipleStrategy> once) {
        Objects.requireNonNull(spec, "spec");
        String trimmed = spec.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.equals("self")) {
            return SELF;
        }
        if (lower.equals("once")) {
            return once.get();
        }
        if (lower.startsWith("preset:")) {
            return PrincipleStrategy.preset(trimmed.substring("preset:".length()).strip());
        }
        if (lower.startsWith("file:")) {
            return PrincipleStrategy.fromFile(Path.of(trimmed.substring("file:".length()).strip()));
        }
        throw new IllegalArgumentException("principle strategy must be self, once, preset:NAME or file:PATH, was '"
                + spec + "'");
    }

    /** The same normalized principles for every request. */
    record Fixed(String name, List<Principle> list) implements PrincipleStrategy {

        Fixed {
            list = List.copyOf(list);
        }

        @Override
        public CompletableFuture<List<Principle>> principlesAsync(GrmRequest request) {
            Objects.requireNonNull(request, "request");
            return CompletableFuture.completedFuture(list);
        }

        @Override
        public String toString() {
            return "PrincipleStrategy[" + name + ", " + list.size() + " principles]";
        }
    }
}
