package dev.grm4j.spark;

import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.batch.JudgementJson;
import dev.grm4j.examples.score.ItemScorer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The one judge of an executor JVM for one {@link SparkScoring}: its backend (one connection pool, or
 * one loaded model), its voting model, and the executor's share of the fleet's concurrency, which all
 * the tasks the executor runs at once draw from.
 *
 * <p>A judge found unreachable (its {@link JudgeWatch} stopped) is not used again: the tasks that were
 * using it fail, Spark retries them, and the retries get a fresh judge. Thread-safe.
 */
final class ExecutorJudge {

    private static final Map<SparkScoring, ExecutorJudge> CURRENT = new ConcurrentHashMap<>();

    private final JudgeWatch watch;
    private final ItemScorer scorer;
    private final Semaphore permits;
    private final int share;
    private final BenchmarkItem.Parser parser;
    private final JudgementJson json;

    private ExecutorJudge(SparkScoring scoring, int share) {
        this.watch = new JudgeWatch();
        this.share = share;
        this.scorer = scoring.open(System::getenv, watch, share);
        this.permits = new Semaphore(share);
        this.parser = BenchmarkItem.parser(scorer.judge().maxResponses());
        this.json = new JudgementJson(scorer.judge()::redact);
    }

    /**
     * This JVM's judge for {@code scoring}, opened at first use, and again after it was found unreachable.
     *
     * @param share the items this executor may judge at once: its part of the fleet's budget
     */
    static ExecutorJudge of(SparkScoring scoring, int share) {
        return CURRENT.compute(scoring, (key, judge) -> judge == null || judge.watch.stopped()
                ? new ExecutorJudge(key, share) : judge);
    }

    JudgeWatch watch() {
        return watch;
    }

    ItemScorer scorer() {
        return scorer;
    }

    /** One permit per item in flight on this executor, over all its tasks. */
    Semaphore permits() {
        return permits;
    }

    /** The most items this executor judges at once. */
    int share() {
        return share;
    }

    BenchmarkItem.Parser parser() {
        return parser;
    }

    JudgementJson json() {
        return json;
    }
}
