package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;

/** Helpers every meta RM shares: argument checks, per-sample fan-out, and the text of a trajectory. */
final class Ratings {

    private Ratings() {
    }

    /**
     * @throws IllegalArgumentException if a scored sample has another number of scores than the request
     */
    static void check(GrmRequest request, List<Judgement> samples) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(samples, "samples");
        for (int i = 0; i < samples.size(); i++) {
            Judgement sample = Objects.requireNonNull(samples.get(i), "samples[" + i + "]");
            if (sample.isScored() && sample.scores().size() != request.size()) {
                throw new IllegalArgumentException("samples[" + i + "] has " + sample.scores().size()
                        + " scores but the request has " + request.size() + " responses");
            }
        }
    }

    /**
     * Rates each scored sample with {@code rating} (started at once, for all of them) and NaN for the
     * rest. If any fails, the future fails with the failure of the lowest sample index, after every
     * call has finished.
     */
    static CompletableFuture<List<Double>> each(List<Judgement> samples, IntFunction<CompletableFuture<Double>> rating) {
        List<CompletableFuture<Double>> calls = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            CompletableFuture<Double> call;
            if (!samples.get(i).isScored()) {
                call = CompletableFuture.completedFuture(Double.NaN);
            } else {
                try {
                    call = rating.apply(i);
                } catch (RuntimeException e) {
                    call = CompletableFuture.failedFuture(e);
                }
            }
            calls.add(call);
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).handle((done, error) -> {
            List<Double> ratings = new ArrayList<>(calls.size());
            for (CompletableFuture<Double> call : calls) {
                try {
                    ratings.add(call.join());
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException runtime ? new CompletionException(runtime) : e;
                }
            }
            return Collections.unmodifiableList(ratings);
        });
    }

    /** Text cut to {@code max} characters, with "..." when cut, for messages. */
    static String show(String text, int max) {
        String oneLine = text.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "...";
    }

    /**
     * The judge's principles, critique and scores as it would have written them: principles with weights
     * in percent, then the critique, then the scores in presentation order, numbered as the judge saw them.
     */
    static String judgementText(Judgement judgement) {
        StringBuilder text = new StringBuilder("Specific Criteria:\n");
        List<Principle> principles = judgement.principles();
        for (int i = 0; i < principles.size(); i++) {
            text.append(i + 1).append(". ").append(principles.get(i).text());
            if (!principles.get(i).text().contains("%")) {
                text.append(" (").append(Math.round(principles.get(i).weight() * 100)).append("%)");
            }
            text.append('\n');
        }
        text.append("\nAnalysis:\n").append(judgement.critique()).append("\n\nScores:\n");
        List<Integer> presented = judgement.presentedScores();
        for (int p = 0; p < presented.size(); p++) {
            text.append("Response ").append(p + 1).append(": ").append(presented.get(p)).append('\n');
        }
        return text.toString();
    }
}
