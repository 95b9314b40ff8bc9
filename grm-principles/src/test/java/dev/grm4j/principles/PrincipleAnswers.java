package dev.grm4j.principles;

import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.testing.ScriptedBackend;

/** What a scripted judge answers to a principle-generation call, for the tests of this module. */
final class PrincipleAnswers {

    private PrincipleAnswers() {
    }

    /**
     * Principles for the query of a principle call, naming it so tests can tell them apart. The
     * principle prompt puts the query on the line after its heading.
     */
    static String principlesFor(CompletionRequest call) {
        String user = ScriptedBackend.userText(call);
        String query = user.lines().skip(1).findFirst().orElse("?");
        return "Specific Criteria:\n1. Answers '" + query + "' correctly (70%): the result is right.\n"
                + "2. Clarity (30%): easy to follow.\n";
    }
}
