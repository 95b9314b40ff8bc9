package dev.grm4j.examples.bench;

import dev.grm4j.core.GrmRequest;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The requests {@code grm bench} votes: a fresh one each time, so that nothing (the server, a cache)
 * can answer from memory. Not thread-safe: one thread hands them out.
 */
final class BenchRequests {

    private int made;

    /** The next {@code count} requests, none seen before from this source. */
    List<GrmRequest> next(int count) {
        int first = made;
        made += count;
        return IntStream.range(first, first + count).mapToObj(BenchRequests::request).toList();
    }

    /**
     * A pair to judge, different for every {@code n}, sized like a short chat answer (two responses of
     * about 600 characters), so that prompt and output handling cost what they would in use.
     */
    static GrmRequest request(int n) {
        String context = " The answer should say what is asked, show the steps that matter, and stay short.";
        String good = "Step by step: the train covers 120 km in 1.5 h, so its mean speed is 80 km/h. "
                .repeat(7) + "Case " + n + ".";
        String bad = "The train is fast, probably around 100 km/h, depending on the track and the weather. "
                .repeat(7) + "Case " + n + ".";
        return GrmRequest.of("Question " + n + ": a train covers 120 km in 90 minutes; what is its mean speed?"
                + context, good, bad);
    }
}
