package dev.grm4j.spark;

import dev.grm4j.examples.batch.BenchmarkItem;
import dev.grm4j.examples.batch.ItemResult;
import dev.grm4j.examples.batch.JsonlLines;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

import java.io.Serial;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * Scores one partition: each item a JSON text (a line of the input, or a row written as JSON; null for
 * a line whose bytes are not UTF-8) and its 1-based line number (0 when it has none), each result the JSON line {@code grm score} writes for it,
 * in the partition's order. Up to the executor's share of items are judged at once, drawn from the
 * permits all its tasks share.
 *
 * <p>When the executor's judge is found unreachable, the task fails with the reason instead of
 * returning the failures: Spark then runs it again (up to {@code spark.task.maxFailures} times), on a
 * fresh judge, after a wait that doubles with each attempt. A row never depends on the attempt that
 * wrote it: every draw of a judgement is seeded from the item and the flags.
 */
final class PartitionScorer implements FlatMapFunction<Iterator<Tuple2<String, Long>>, String> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The longest wait before a retried task starts, whatever its attempt number. */
    static final long MAX_RETRY_WAIT_MS = 30_000;

    private final SparkScoring scoring;
    private final int share;
    private final long firstRetryWaitMs;

    /**
     * @param share            the items one executor may judge at once
     * @param firstRetryWaitMs the wait before the second attempt of a task; it doubles with each attempt after
     */
    PartitionScorer(SparkScoring scoring, int share, long firstRetryWaitMs) {
        this.scoring = scoring;
        this.share = share;
        this.firstRetryWaitMs = firstRetryWaitMs;
    }

    @Override
    public Iterator<String> call(Iterator<Tuple2<String, Long>> items) throws InterruptedException {
        TaskContext task = TaskContext.get();
        if (task != null && task.attemptNumber() > 0) {
            Thread.sleep(Math.min(MAX_RETRY_WAIT_MS, firstRetryWaitMs << Math.min(20, task.attemptNumber() - 1)));
        }
        return new Results(ExecutorJudge.of(scoring, share), items);
    }

    /** The results in input order, each item started as soon as the window and a permit allow. */
    private static final class Results implements Iterator<String> {
        private final ExecutorJudge judge;
        private final Iterator<Tuple2<String, Long>> items;
        private final Deque<CompletableFuture<ItemResult>> window = new ArrayDeque<>();

        Results(ExecutorJudge judge, Iterator<Tuple2<String, Long>> items) {
            this.judge = judge;
            this.items = items;
        }

        @Override
        public boolean hasNext() {
            fill();
            return !window.isEmpty();
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ItemResult result = window.poll().join();
            if (judge.watch().stopped()) {
                // The failures that stopped it are the judge's absence, not the items' results.
                throw new JudgeUnreachableException("the judge is unreachable: " + judge.watch().reason().orElseThrow()
                        + " (Spark runs a task up to spark.task.maxFailures times, each on a fresh judge)");
            }
            return judge.json().write(result);
        }

        private void fill() {
            while (window.size() < judge.share() && items.hasNext()) {
                Tuple2<String, Long> item = items.next();
                window.add(start(item._1(), item._2()));
            }
        }

        private CompletableFuture<ItemResult> start(String text, long line) {
            BenchmarkItem parsed;
            try {
                parsed = judge.parser().parse(new JsonlLines.Line((int) Math.min(Integer.MAX_VALUE, line),
                        text == null ? "" : text, text != null));
            } catch (BenchmarkItem.InvalidItemException e) {
                return CompletableFuture.completedFuture(e.toResult());
            }
            judge.permits().acquireUninterruptibly();
            CompletableFuture<ItemResult> result;
            try {
                result = judge.scorer().score(parsed);
            } catch (RuntimeException e) {
                judge.permits().release();
                throw e;
            }
            return result.whenComplete((done, failure) -> judge.permits().release());
        }
    }
}
