package dev.grm4j.examples.batch;

import dev.grm4j.core.Outcome;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes results in order, holding back a run of {@code BACKEND_ERROR} lines until a line of another
 * outcome follows. When the judge turns out to be unreachable, the held lines are dropped and nothing
 * more is written: the output ends with the last item the judge really answered, so {@code --resume}
 * judges the items it failed again instead of keeping their failures. At most the pending window's
 * results are held. Not thread-safe: the submitting thread writes.
 */
public final class HeldFailures {

    /** Writes one result's line. */
    @FunctionalInterface
    public interface Sink {
        void write(ItemResult result, String line) throws IOException;
    }

    private final JudgeWatch watch;
    private final Sink sink;
    private final List<ItemResult> heldResults = new ArrayList<>();
    private final List<String> heldLines = new ArrayList<>();
    private boolean closed;

    public HeldFailures(JudgeWatch watch, Sink sink) {
        this.watch = watch;
        this.sink = sink;
    }

    public void accept(ItemResult result, String line) throws IOException {
        if (closed) {
            return;
        }
        boolean failed = result.outcome().equals(Outcome.BACKEND_ERROR.name());
        if (watch.stopped() && (failed || !heldLines.isEmpty())) {
            close();
            return;
        }
        if (failed) {
            heldResults.add(result);
            heldLines.add(line);
            return;
        }
        release();
        sink.write(result, line);
    }

    /** The run is over: held failures are written, unless the run stopped for want of a judge. */
    public void finish() throws IOException {
        if (watch.stopped()) {
            close();
        } else {
            release();
        }
    }

    private void release() throws IOException {
        for (int i = 0; i < heldLines.size(); i++) {
            sink.write(heldResults.get(i), heldLines.get(i));
        }
        heldResults.clear();
        heldLines.clear();
    }

    private void close() {
        closed = true;
        heldResults.clear();
        heldLines.clear();
    }
}
