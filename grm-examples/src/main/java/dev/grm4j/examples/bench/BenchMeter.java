package dev.grm4j.examples.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/** What {@code grm bench} reads from this JVM: its CPU time and its heap high-water mark. */
final class BenchMeter {

    private static final double MB = 1024.0 * 1024.0;

    private BenchMeter() {
    }

    /**
     * CPU time of this process, every thread (JIT and GC included), in nanoseconds; -1 where the JVM
     * cannot tell.
     */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /**
     * Milliseconds the JIT compilers have worked so far, or -1 where the JVM cannot tell: the part of the
     * process CPU time that is warm-up, not work.
     */
    static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /**
     * Waits until the JIT compilers have been idle for a second, or {@code maxMillis} passed.
     *
     * @return the milliseconds waited
     */
    static long awaitJitIdle(long maxMillis) throws InterruptedException {
        long start = System.nanoTime();
        long last = jitMillis();
        long quietSince = start;
        while (last >= 0 && System.nanoTime() - start < maxMillis * 1_000_000) {
            Thread.sleep(100);
            long now = jitMillis();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= 1_000_000_000L) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Starts the heap high-water marks afresh. */
    static void resetHeapPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The heap in use right after a full collection, in MB: the live data, without the garbage. */
    static double heapLiveMb() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / MB;
    }

    /**
     * The sum of every heap pool's peak use since {@link #resetHeapPeaks()}, in MB: an upper bound of the
     * heap in use at any one time (pools peak at different moments), garbage not yet collected included.
     */
    static double heapPeakMb() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes / MB;
    }
}
