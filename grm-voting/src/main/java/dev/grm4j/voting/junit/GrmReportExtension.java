package dev.grm4j.voting.junit;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Records every vote a test class makes and, after its last test, writes them as one self-contained
 * HTML report (inline CSS, no script): a section per test with its outcome, and for each vote the
 * request, the responses with their means and the best, every sample's order, scores, principles and
 * critique, and the vote's reproducibility record ({@link VoteResult.VoteRecord} as JSON).
 *
 * <p>Votes reach the extension through the {@link VotingGrm} that {@link #recording(VotingGrm)} wraps.
 * A test in which a recorded vote has no quorum (or an invalid request) fails in {@code afterEach}
 * with the vote's reason, each failed sample's outcome and the first sample's exception as the cause,
 * even when the test itself never looked at the result: a judge that cannot be reached never passes.
 *
 * <pre>
 * class JudgeRegressionTest {
 *     &#64;RegisterExtension
 *     static final GrmReportExtension REPORT = GrmReportExtension.create();
 *     static final VotingGrm VOTING = REPORT.recording(VotingGrm.builder(grm).k(8).seed(42).build());
 *
 *     &#64;Test
 *     void prefers_the_right_sum() {
 *         assertThat(VOTING.vote(GrmRequest.of("What is 2 + 2?", "4", "5"))).prefers(0);
 *     }
 * }
 * </pre>
 *
 * <p>Register it on a {@code static} field: JUnit calls {@code afterAll}, which writes the report,
 * only on class-level extensions. The report is {@code <directory>/<test class name>.html}, the path
 * published as the report entry {@value #REPORT_ENTRY}. Thread-safe; votes are credited to the test
 * that started them, assuming the class's tests run one at a time (JUnit's default); votes made outside
 * a test (in {@code @BeforeAll}) go to a section of their own.
 */
public final class GrmReportExtension implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    /** Where {@link #create()} writes, relative to the working directory (the module's, under Maven). */
    public static final Path DEFAULT_DIRECTORY = Path.of("target", "grm-reports");

    /** The key of the report entry that holds the written report's path. */
    public static final String REPORT_ENTRY = "grm4j.report";

    private static final String OUTSIDE = "(outside any test)";

    private final Path directory;
    private final Map<String, Section> sections = new LinkedHashMap<>();
    private volatile String current = OUTSIDE;

    private GrmReportExtension(Path directory) {
        this.directory = directory;
    }

    /** An extension writing to {@link #DEFAULT_DIRECTORY}, {@code target/grm-reports}. */
    public static GrmReportExtension create() {
        return new GrmReportExtension(DEFAULT_DIRECTORY);
    }

    /**
     * An extension writing to {@code directory}, created if missing.
     *
     * @throws NullPointerException if {@code directory} is null
     */
    public static GrmReportExtension writingTo(Path directory) {
        return new GrmReportExtension(Objects.requireNonNull(directory, "directory"));
    }

    /** The directory the report goes to. */
    public Path directory() {
        return directory;
    }

    /**
     * {@code voting}, recording every result it returns (vote, voteAll and revotes, sync or async, and the
     * views of {@link VotingGrm#withAdaptive}) before its caller sees it. The wrapper delegates everything
     * else, cancellation included.
     *
     * @throws NullPointerException if {@code voting} is null
     */
    public VotingGrm recording(VotingGrm voting) {
        return new RecordingVotingGrm(Objects.requireNonNull(voting, "voting"), this);
    }

    /** The votes recorded so far, by test display name in the order the tests ran; for tests of a test. */
    Map<String, List<ReportHtml.Vote>> votes() {
        synchronized (sections) {
            Map<String, List<ReportHtml.Vote>> copy = new LinkedHashMap<>();
            sections.forEach((key, section) -> copy.put(section.name, List.copyOf(section.votes)));
            return copy;
        }
    }

    String currentTest() {
        return current;
    }

    void add(String test, VotingGrm voting, GrmRequest request, VoteResult result) {
        String record;
        try {
            record = voting.record(request, result).toJson();
        } catch (RuntimeException e) {
            record = "{\"unavailable\": \"" + e + "\"}";
        }
        synchronized (sections) {
            sections.computeIfAbsent(test, key -> new Section(OUTSIDE)).votes
                    .add(new ReportHtml.Vote(request, result, record));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        String key = context.getUniqueId();
        synchronized (sections) {
            sections.put(key, new Section(context.getDisplayName()));
        }
        current = key;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String key = context.getUniqueId();
        current = OUTSIDE;
        Section section;
        List<ReportHtml.Vote> failed;
        synchronized (sections) {
            section = sections.get(key);
            if (section == null) {
                return;
            }
            failed = section.votes.stream().filter(vote -> !vote.result().isVoted()).toList();
        }
        Optional<Throwable> thrown = context.getExecutionException();
        if (thrown.isPresent()) {
            section.status = "failed: " + firstLine(thrown.get());
            return;
        }
        if (failed.isEmpty()) {
            section.status = "passed";
            return;
        }
        AssertionError error = noVote(failed, section.votes.size());
        section.status = "failed: " + firstLine(error);
        throw error;
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        String className = context.getRequiredTestClass().getName();
        String html;
        synchronized (sections) {
            List<ReportHtml.Section> rendered = new ArrayList<>();
            sections.values().stream().filter(s -> !(s.name.equals(OUTSIDE) && s.votes.isEmpty()))
                    .forEach(s -> rendered.add(new ReportHtml.Section(s.name, s.status, List.copyOf(s.votes))));
            html = ReportHtml.render(className, rendered);
        }
        Files.createDirectories(directory);
        Path file = directory.resolve(className + ".html");
        try {
            Files.writeString(file, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the grm4j report to " + file, e);
        }
        context.publishReportEntry(REPORT_ENTRY, file.toAbsolutePath().toString());
    }

    /** "2 of 3 votes in this test had no result: ..." with each failed sample, the first cause attached. */
    private static AssertionError noVote(List<ReportHtml.Vote> failed, int votes) {
        StringBuilder text = new StringBuilder().append(failed.size()).append(" of ").append(votes)
                .append(votes == 1 ? " vote" : " votes").append(" in this test had no result");
        Throwable cause = null;
        for (ReportHtml.Vote vote : failed) {
            VoteResult result = vote.result();
            text.append("\n  \"").append(ReportHtml.cut(vote.request().query(), 80)).append("\": ")
                    .append(result.status()).append(": ").append(result.failure().orElse(""));
            List<Judgement> samples = result.samples();
            for (int i = 0; i < samples.size(); i++) {
                Judgement sample = samples.get(i);
                if (!sample.isScored()) {
                    text.append("\n    sample ").append(i).append(", order ").append(sample.order()).append(": ")
                            .append(sample.outcome()).append(sample.failure().map(reason -> ": " + reason).orElse(""));
                    if (cause == null) {
                        cause = sample.cause().orElse(null);
                    }
                }
            }
        }
        return new AssertionError(text.toString(), cause);
    }

    private static String firstLine(Throwable error) {
        String message = String.valueOf(error.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** One test's votes; guarded by {@code sections}, but for {@code status}, set once by afterEach. */
    private static final class Section {
        final String name;
        final List<ReportHtml.Vote> votes = new ArrayList<>();
        volatile @Nullable String status;

        Section(String name) {
            this.name = name;
        }
    }
}
