package dev.grm4j.core.backend;

import dev.grm4j.core.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The servers behind one {@link OpenAiCompatibleBackend}: picks the endpoint for each call and sets aside
 * endpoints that keep failing. Thread-safe.
 *
 * <p>Each call goes to the endpoint with the fewest calls in flight; ties go round-robin, so sequential
 * callers spread too. After {@code failuresBeforeCooldown} consecutive calls to an endpoint fail in a way
 * that says the endpoint is down (no answer, a 5xx, garbage), it is set aside for {@code cooldown}. When
 * the cooldown has run out, the next call goes to it as a probe and the cooldown restarts, so there is at
 * most one probe per cooldown; the first answered call clears it. When every endpoint is set aside, calls
 * go to the one whose cooldown ends first: failing fast there beats failing without trying.
 */
final class EndpointPool {

    private static final Logger log = LoggerFactory.getLogger(EndpointPool.class);

    /** How a call ended, as far as the endpoint's health is concerned. */
    enum Result {
        /** Answered. */
        SUCCESS,
        /** Answered with an error (4xx, 429): the call failed but the endpoint is up. */
        REJECTED,
        /** No usable answer: connection error, timeout, 5xx, a malformed 200. */
        FAILED,
        /** Cancelled or completed by the caller before the endpoint answered: says nothing. */
        ABANDONED
    }

    private final Endpoint[] endpoints;
    private final long cooldownNanos;
    private final int failuresBeforeCooldown;
    private final Ticker ticker;
    private final AtomicInteger turn = new AtomicInteger();

    EndpointPool(List<String> baseUrls, long cooldownNanos, int failuresBeforeCooldown, Ticker ticker) {
        this.endpoints = baseUrls.stream().map(Endpoint::new).toArray(Endpoint[]::new);
        this.cooldownNanos = cooldownNanos;
        this.failuresBeforeCooldown = failuresBeforeCooldown;
        this.ticker = ticker;
    }

    /** Picks the endpoint for one call and counts the call in flight there; pair with {@link #release}. */
    Endpoint acquire() {
        Endpoint chosen = pick();
        chosen.inFlight.incrementAndGet();
        chosen.calls.incrementAndGet();
        return chosen;
    }

    /** Ends a call {@link #acquire} started; call exactly once per call. */
    void release(Endpoint endpoint, Result result) {
        endpoint.inFlight.decrementAndGet();
        switch (result) {
            case SUCCESS, REJECTED -> {
                if (result == Result.REJECTED) {
                    endpoint.failures.incrementAndGet();
                }
                // Unlocked first look: the common case is a healthy endpoint with nothing to clear.
                if (endpoint.streak != 0 || endpoint.setAside) {
                    boolean wasSetAside;
                    synchronized (endpoint) {
                        wasSetAside = endpoint.setAside;
                        endpoint.streak = 0;
                        endpoint.setAside = false;
                    }
                    if (wasSetAside && endpoints.length > 1) {
                        log.info("endpoint {} answered again and is back in the pool", endpoint.baseUrl);
                    }
                }
            }
            case FAILED -> {
                endpoint.failures.incrementAndGet();
                long now = ticker.read();
                boolean newlySetAside = false;
                synchronized (endpoint) {
                    endpoint.streak++;
                    if (endpoint.streak >= failuresBeforeCooldown) {
                        newlySetAside = !endpoint.setAside;
                        endpoint.cooldownEnds = now + cooldownNanos;
                        endpoint.setAside = true;
                    }
                }
                // With one endpoint there is nowhere else to send calls: setting it aside changes nothing
                // worth a line in the log (a batch command says once what happened to its judge).
                if (newlySetAside && endpoints.length > 1) {
                    log.warn("endpoint {} set aside for {} ms after {} failed calls in a row", endpoint.baseUrl,
                            TimeUnit.NANOSECONDS.toMillis(cooldownNanos), failuresBeforeCooldown);
                }
            }
            case ABANDONED -> {
            }
        }
    }

    /** A snapshot of every endpoint, in configuration order. */
    List<OpenAiCompatibleBackend.EndpointStatus> snapshot() {
        List<OpenAiCompatibleBackend.EndpointStatus> statuses = new ArrayList<>(endpoints.length);
        for (Endpoint endpoint : endpoints) {
            statuses.add(new OpenAiCompatibleBackend.EndpointStatus(endpoint.baseUrl, endpoint.inFlight.get(),
                    endpoint.calls.get(), endpoint.failures.get(), endpoint.setAside));
        }
        return List.copyOf(statuses);
    }

    private Endpoint pick() {
        int n = endpoints.length;
        int start = n == 1 ? 0 : Math.floorMod(turn.getAndIncrement(), n);
        Endpoint leastLoaded = null;
        int leastInFlight = Integer.MAX_VALUE;
        boolean anySetAside = false;
        for (int i = 0; i < n; i++) {
            Endpoint endpoint = endpoints[(start + i) % n];
            if (endpoint.setAside) {
                anySetAside = true;
                continue;
            }
            int inFlight = endpoint.inFlight.get();
            if (inFlight < leastInFlight) {
                leastInFlight = inFlight;
                leastLoaded = endpoint;
            }
        }
        if (!anySetAside) {
            return leastLoaded;
        }
        long now = ticker.read();
        Endpoint soonest = null;
        long soonestEnds = 0;
        for (int i = 0; i < n; i++) {
            Endpoint endpoint = endpoints[(start + i) % n];
            if (!endpoint.setAside) {
                continue;
            }
            long ends = endpoint.cooldownEnds;
            // ticker values are compared by difference: they may wrap.
            if (now - ends >= 0 && endpoint.claimProbe(now, cooldownNanos)) {
                return endpoint;
            }
            if (soonest == null || ends - soonestEnds < 0) {
                soonest = endpoint;
                soonestEnds = ends;
            }
        }
        return leastLoaded != null ? leastLoaded : soonest != null ? soonest : endpoints[start];
    }

    /** One server of the pool. Counters are atomics; the health fields are guarded by the instance. */
    static final class Endpoint {
        final String baseUrl;
        final URI uri;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        /** Consecutive FAILED calls; written under the lock, read without it for the fast path. */
        private volatile int streak;
        /** Set aside: cooling down, or cooled down and not yet answered a call since. */
        private volatile boolean setAside;
        /** When the current cooldown ends, as a ticker value; meaningful while set aside. */
        private volatile long cooldownEnds;

        private Endpoint(String baseUrl) {
            this.baseUrl = baseUrl;
            this.uri = URI.create(baseUrl + "/chat/completions");
        }

        /**
         * Makes the calling call the probe if the cooldown is over and no other call claimed it; the
         * cooldown restarts, so the next probe waits for it.
         */
        private synchronized boolean claimProbe(long now, long cooldownNanos) {
            if (!setAside || now - cooldownEnds < 0) {
                return false;
            }
            cooldownEnds = now + cooldownNanos;
            return true;
        }

        @Override
        public String toString() {
            return baseUrl;
        }
    }
}
