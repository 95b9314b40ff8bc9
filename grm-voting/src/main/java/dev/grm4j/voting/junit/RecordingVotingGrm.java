package dev.grm4j.voting.junit;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VoteResult.VoteRecord;
import dev.grm4j.voting.VotingGrm;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** A {@link VotingGrm} that hands every result to its extension before the caller sees it. */
final class RecordingVotingGrm implements VotingGrm {

    private final VotingGrm delegate;
    private final GrmReportExtension report;

    RecordingVotingGrm(VotingGrm delegate, GrmReportExtension report) {
        this.delegate = Objects.requireNonNull(delegate, "voting");
        this.report = report;
    }

    @Override
    public CompletableFuture<VoteResult> voteAsync(GrmRequest request) {
        String test = report.currentTest();
        CompletableFuture<VoteResult> source = delegate.voteAsync(request);
        return linked(source, source.thenApply(result -> {
            report.add(test, delegate, request, result);
            return result;
        }));
    }

    @Override
    public CompletableFuture<List<VoteResult>> voteAllAsync(List<GrmRequest> requests) {
        String test = report.currentTest();
        List<GrmRequest> copy = List.copyOf(requests);
        CompletableFuture<List<VoteResult>> source = delegate.voteAllAsync(copy);
        return linked(source, source.thenApply(results -> {
            for (int i = 0; i < results.size(); i++) {
                report.add(test, delegate, copy.get(i), results.get(i));
            }
            return results;
        }));
    }

    /** {@code recorded}, whose cancellation cancels {@code source}'s queued samples as the delegate's would. */
    private static <T> CompletableFuture<T> linked(CompletableFuture<T> source, CompletableFuture<T> recorded) {
        recorded.whenComplete((value, error) -> {
            if (recorded.isCancelled()) {
                source.cancel(true);
            }
        });
        return recorded;
    }

    @Override
    public VoteResult revote(GrmRequest request, List<Judgement> samples, int quorum) {
        VoteResult result = delegate.revote(request, samples, quorum);
        report.add(report.currentTest(), delegate, request, result);
        return result;
    }

    @Override
    public VoteResult revoteAdaptive(GrmRequest request, List<Judgement> samples, int k) {
        VoteResult result = delegate.revoteAdaptive(request, samples, k);
        report.add(report.currentTest(), delegate, request, result);
        return result;
    }

    @Override
    public Adaptive adaptive() {
        return delegate.adaptive();
    }

    @Override
    public VotingGrm withAdaptive(Adaptive adaptive) {
        return new RecordingVotingGrm(delegate.withAdaptive(adaptive), report);
    }

    @Override
    public VoteRecord record(GrmRequest request, VoteResult result) {
        return delegate.record(request, result);
    }

    @Override
    public PointwiseGrm grm() {
        return delegate.grm();
    }

    @Override
    public int k() {
        return delegate.k();
    }

    @Override
    public int inFlight() {
        return delegate.inFlight();
    }

    @Override
    public int queued() {
        return delegate.queued();
    }

    @Override
    public String toString() {
        return "Recording[" + delegate + "]";
    }
}
