package dev.grm4j.core;

/**
 * A source of nanosecond time, the one time seam of grm4j (Caffeine's {@code Ticker}): every latency,
 * timeout, deadline and cooldown is measured with one, so that tests can move time by hand instead of
 * sleeping. Values mean nothing alone; only the difference of two reads of one ticker does, and it
 * may wrap as {@link System#nanoTime()} does.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds since an arbitrary origin that stays fixed for this ticker. */
    long read();

    /** The ticker over {@link System#nanoTime()}: every builder's default. */
    static Ticker system() {
        return System::nanoTime;
    }
}
