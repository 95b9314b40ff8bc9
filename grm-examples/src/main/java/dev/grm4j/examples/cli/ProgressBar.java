package dev.grm4j.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The progress line of {@code grm score} on standard error:
 * {@code [##########..............]  412/1000  41%  12.3 items/s  ETA 0:48}.
 *
 * <p>Redrawn in place with {@code \r}, at most every {@link #REDRAW_NANOS} (ten times a second), so a
 * fast run does not spend its time printing; the last state is always drawn by {@link #finish()}, which
 * ends the line so that what follows starts on a fresh one. Only meant for a terminal: in a log file or
 * a pipe, carriage returns are noise, so the command shows it only when standard error is a terminal or
 * {@code --progress} asks for it.
 *
 * <p>The rate counts only the items of this run: lines a resumed run found already written are in the
 * count and the bar, but took no time now, and would make the rate and the ETA lie.
 *
 * <p>Not thread-safe: the thread that writes the output lines advances the bar.
 */
final class ProgressBar {

    /** The shortest time between two redraws. */
    static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final int BAR_WIDTH = 24;
    private static final ProgressBar OFF = new ProgressBar(null, -1, 0, () -> 0);

    private final PrintWriter err;
    private final long total;
    private final long resumed;
    private final LongSupplier nanoTime;
    private final long start;
    private long done;
    private long lastDraw;
    private int lastWidth;

    private ProgressBar(PrintWriter err, long total, long resumed, LongSupplier nanoTime) {
        this.err = err;
        this.total = total;
        this.resumed = resumed;
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
        this.done = resumed;
    }

    /** A bar that draws nothing. */
    static ProgressBar off() {
        return OFF;
    }

    /**
     * A bar drawn on {@code err}, drawn once at once.
     *
     * @param total    the items of the whole run, or -1 when unknown (the line then shows no bar or ETA)
     * @param resumed  items already done when the run started; they count as done but not toward the rate
     * @param nanoTime the clock, {@code System::nanoTime} outside tests
     */
    static ProgressBar on(PrintWriter err, long total, long resumed, LongSupplier nanoTime) {
        ProgressBar bar = new ProgressBar(err, total, resumed, nanoTime);
        bar.draw(bar.start);
        return bar;
    }

    /** One more item done; redraws when the last redraw is at least {@link #REDRAW_NANOS} old. */
    void advance() {
        if (err == null) {
            return;
        }
        done++;
        long now = nanoTime.getAsLong();
        if (now - lastDraw >= REDRAW_NANOS) {
            draw(now);
        }
    }

    /** Draws the final state and ends the line. */
    void finish() {
        if (err == null) {
            return;
        }
        draw(nanoTime.getAsLong());
        err.println();
        err.flush();
    }

    private void draw(long now) {
        lastDraw = now;
        String line = render(done, total, resumed, Duration.ofNanos(now - start));
        // Spaces cover the end of a longer previous line (an ETA of 10:00 followed by one of 9:59).
        String padding = " ".repeat(Math.max(0, lastWidth - line.length()));
        lastWidth = line.length();
        err.print("\r" + line + padding);
        err.flush();
    }

    /**
     * The progress line for a moment of the run; a pure function, so that its format is tested exactly.
     *
     * @param done    items done, resumed ones included
     * @param total   items in all, or a negative number when unknown
     * @param resumed items that were done before this run started
     * @param elapsed time since this run started
     */
    static String render(long done, long total, long resumed, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        long thisRun = done - resumed;
        double rate = seconds > 0 && thisRun > 0 ? thisRun / seconds : Double.NaN;
        String speed = Double.isNaN(rate) ? "-- items/s" : String.format(Locale.ROOT, "%.1f items/s", rate);
        if (total < 0) {
            return done + " done  " + speed + "  " + clock(elapsed.toSeconds()) + " elapsed";
        }
        int width = Long.toString(total).length();
        long percent = total == 0 ? 100 : Math.min(100, done * 100 / total);
        int filled = total == 0 ? BAR_WIDTH : (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
        String bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
        String when;
        if (done >= total) {
            when = "took " + clock(elapsed.toSeconds());
        } else if (Double.isNaN(rate)) {
            when = "ETA --:--";
        } else {
            when = "ETA " + clock((long) Math.ceil((total - done) / rate));
        }
        return String.format(Locale.ROOT, "[%s] %" + width + "d/%d %3d%%  %s  %s", bar, done, total, percent, speed,
                when);
    }

    /** {@code m:ss} under an hour, {@code h:mm:ss} from there, and {@code >99h} for what nobody will wait for. */
    static String clock(long seconds) {
        if (seconds >= 100 * 3600) {
            return ">99h";
        }
        long hours = seconds / 3600;
        long minutes = seconds / 60 % 60;
        long secs = seconds % 60;
        return hours > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", hours, minutes, secs)
                : String.format(Locale.ROOT, "%d:%02d", minutes, secs);
    }
}
