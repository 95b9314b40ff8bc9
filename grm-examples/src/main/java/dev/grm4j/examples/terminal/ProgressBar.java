package dev.grm4j.examples.terminal;

import dev.grm4j.core.Ticker;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The one progress line of the CLI on standard error, for items ({@code grm score}):
 * {@code [##########..............]  412/1000  41%  12.3 items/s  ETA 0:48}, and for bytes (a model
 * download): {@code downloading m.gguf [####....]  80.0 MB/400.0 MB  20%  12.5 MB/s  ETA 0:25}.
 *
 * <p>Redrawn in place with {@code \r}, at most every {@link #REDRAW_NANOS} (ten times a second), so a
 * fast run does not spend its time printing; the last state is always drawn by {@link #finish()}, which
 * ends the line so that what follows starts on a fresh one. Only meant for a terminal: in a log file or
 * a pipe, carriage returns are noise, so commands show it only when standard error is a terminal or
 * the user asks for it.
 *
 * <p>The rate counts only the work of this run: items a resumed run found already written (bytes a
 * resumed download already had) are in the count and the bar, but took no time now, and would make the
 * rate and the ETA lie.
 *
 * <p>Not thread-safe: one thread advances the bar.
 */
public final class ProgressBar {

    /** The shortest time between two redraws. */
    static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final int BAR_WIDTH = 24;
    private static final ProgressBar OFF = new ProgressBar(null, "", Unit.ITEMS, -1, 0, () -> 0);

    /** What the bar counts, and so how it prints an amount and a rate. */
    public enum Unit {
        ITEMS {
            @Override
            String amount(long n) {
                return Long.toString(n);
            }

            @Override
            String rate(double perSecond) {
                return Double.isNaN(perSecond) ? "-- items/s" : String.format(Locale.ROOT, "%.1f items/s", perSecond);
            }
        },
        BYTES {
            @Override
            String amount(long n) {
                return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
            }

            @Override
            String rate(double perSecond) {
                return Double.isNaN(perSecond) ? "-- MB/s" : String.format(Locale.ROOT, "%.1f MB/s", perSecond / 1e6);
            }
        };

        abstract String amount(long n);

        abstract String rate(double perSecond);
    }

    private final PrintWriter err;
    private final String label;
    private final Unit unit;
    private final long total;
    private final long resumed;
    private final Ticker ticker;
    private final long start;
    private long done;
    private long lastDraw;
    private int lastWidth;

    private ProgressBar(PrintWriter err, String label, Unit unit, long total, long resumed, Ticker ticker) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.resumed = resumed;
        this.ticker = ticker;
        this.start = ticker.read();
        this.done = resumed;
    }

    /** A bar that draws nothing. */
    public static ProgressBar off() {
        return OFF;
    }

    /**
     * A bar of items drawn on {@code err}, drawn once at once.
     *
     * @param total   the items of the whole run, or -1 when unknown (the line then shows no bar or ETA)
     * @param resumed items already done when the run started; they count as done but not toward the rate
     * @param ticker  the clock, {@link Ticker#system()} outside tests
     */
    public static ProgressBar on(PrintWriter err, long total, long resumed, Ticker ticker) {
        return on(err, "", Unit.ITEMS, total, resumed, ticker);
    }

    /** As {@link #on(PrintWriter, long, long, Ticker)}, counting {@code unit}, the line starting with {@code label}. */
    public static ProgressBar on(PrintWriter err, String label, Unit unit, long total, long resumed, Ticker ticker) {
        ProgressBar bar = new ProgressBar(err, label, unit, total, resumed, ticker);
        bar.draw(bar.start);
        return bar;
    }

    /** One more item done; redraws when the last redraw is at least {@link #REDRAW_NANOS} old. */
    public void advance() {
        advanceTo(done + 1);
    }

    /** {@code done} in all, resumed work included; redraws as {@link #advance()} does. */
    public void advanceTo(long done) {
        if (err == null) {
            return;
        }
        this.done = done;
        long now = ticker.read();
        if (now - lastDraw >= REDRAW_NANOS) {
            draw(now);
        }
    }

    /** Draws the final state and ends the line. */
    public void finish() {
        end("");
    }

    /** Draws the last state, marks it {@code (interrupted)} and ends the line. */
    public void interrupted() {
        end("  (interrupted)");
    }

    private void end(String note) {
        if (err == null) {
            return;
        }
        draw(ticker.read());
        err.println(note);
        err.flush();
    }

    private void draw(long now) {
        lastDraw = now;
        String line = label + render(unit, done, total, resumed, Duration.ofNanos(now - start));
        // Spaces cover the end of a longer previous line (an ETA of 10:00 followed by one of 9:59).
        String padding = " ".repeat(Math.max(0, lastWidth - line.length()));
        lastWidth = line.length();
        err.print("\r" + line + padding);
        err.flush();
    }

    /** The line for a moment of a run of items; see {@link #render(Unit, long, long, long, Duration)}. */
    static String render(long done, long total, long resumed, Duration elapsed) {
        return render(Unit.ITEMS, done, total, resumed, elapsed);
    }

    /**
     * The progress line for a moment of the run; a pure function, so that its format is tested exactly.
     *
     * @param done    work done, resumed work included
     * @param total   work in all, or a negative number when unknown
     * @param resumed work that was done before this run started
     * @param elapsed time since this run started
     */
    static String render(Unit unit, long done, long total, long resumed, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        long thisRun = done - resumed;
        double rate = seconds > 0 && thisRun > 0 ? thisRun / seconds : Double.NaN;
        String speed = unit.rate(rate);
        if (total < 0) {
            return unit.amount(done) + " done  " + speed + "  " + clock(elapsed.toSeconds()) + " elapsed";
        }
        int width = unit.amount(total).length();
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
        return String.format(Locale.ROOT, "[%s] %" + width + "s/%s %3d%%  %s  %s", bar, unit.amount(done),
                unit.amount(total), percent, speed, when);
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
