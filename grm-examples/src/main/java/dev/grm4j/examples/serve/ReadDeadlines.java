package dev.grm4j.examples.serve;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request headers are still incomplete the read timeout after their first
 * byte. Jetty's idle timeout only catches silence: a client dripping a header byte a second is never
 * idle, and Jetty 12 has no header-read deadline of its own. Such a client costs no thread here, only
 * a connection; this bounds how long it keeps one.
 *
 * <p>A sweep every fraction of the timeout compares each connection's bytes received with the count
 * when it last became idle: more bytes and no request being handled means headers are arriving.
 * Once a request is handled, {@link Routes} bounds its body itself.
 */
final class ReadDeadlines implements Connection.Listener {

    private static final Logger log = LoggerFactory.getLogger(ReadDeadlines.class);

    private final long timeoutNanos;
    private final long sweepNanos;
    private final Map<Connection, Watch> open = new ConcurrentHashMap<>();
    private volatile Scheduler scheduler;

    ReadDeadlines(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(20),
                Math.min(TimeUnit.MILLISECONDS.toNanos(250), timeoutNanos / 8));
    }

    /** What is known of one connection; guarded by itself. */
    private static final class Watch {
        private long bytesWhenIdle;
        private long firstByteAt;
        private boolean handling;
    }

    /** Starts sweeping on Jetty's scheduler; it stops when the server does. */
    void start(Scheduler scheduler) {
        this.scheduler = scheduler;
        scheduler.schedule(this::sweep, sweepNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        open.put(connection, new Watch());
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection);
    }

    /** The request's headers are in: from here on its read time is bounded by {@link Routes}. */
    void handling(Connection connection) {
        Watch watch = open.get(connection);
        if (watch != null) {
            synchronized (watch) {
                watch.handling = true;
            }
        }
    }

    /** The request was answered: the connection waits for the next one. */
    void idle(Connection connection) {
        Watch watch = open.get(connection);
        if (watch != null) {
            synchronized (watch) {
                watch.handling = false;
                watch.bytesWhenIdle = connection.getBytesIn();
                watch.firstByteAt = 0;
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        try {
            open.forEach((connection, watch) -> {
                if (late(connection, watch, now)) {
                    log.debug("closing {}: request headers incomplete after {} ms", connection,
                            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                    connection.close();
                }
            });
        } finally {
            Scheduler current = scheduler;
            if (current != null && current.isRunning()) {
                current.schedule(this::sweep, sweepNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private boolean late(Connection connection, Watch watch, long now) {
        synchronized (watch) {
            if (watch.handling || connection.getBytesIn() <= watch.bytesWhenIdle) {
                return false;
            }
            if (watch.firstByteAt == 0) {
                // The first byte came some time since the last sweep; counting from now errs for the client.
                watch.firstByteAt = now;
                return false;
            }
            return now - watch.firstByteAt > timeoutNanos;
        }
    }
}
