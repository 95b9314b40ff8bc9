package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Principle;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
