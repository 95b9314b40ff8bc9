package dev.grm4j.examples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of this JVM's threads grouped by name, JIT compiler and GC threads included, read from
 * Linux's {@code /proc/self/task}: where {@code grm bench}'s client CPU goes. Empty elsewhere.
 */
final class BenchThreads {

    /** Clock ticks per second of {@code /proc} times; 100 on every Linux this runs on. */
    private static final double TICK_NANOS = 1e9 / 100;

    private BenchThreads() {
    }

    /** One live thread: its group name (digits dropped) and CPU nanoseconds so far. */
    record Thread(String group, long cpuNanos) {
    }

    /** Thread id to CPU so far, for the threads alive now. */
    static Map<String, Thread> snapshot() {
        Map<String, Thread> threads = new HashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return threads;
        }
        try (DirectoryStream<Path> ids = Files.newDirectoryStream(tasks)) {
            for (Path thread : ids) {
                try {
                    String name = Files.readString(thread.resolve("comm"), StandardCharsets.US_ASCII).strip();
                    threads.put(thread.getFileName().toString(),
                            new Thread(name.replaceAll("\\d+", "#"), cpuNanos(thread)));
                } catch (IOException | RuntimeException e) {
                    // The thread ended meanwhile.
                }
            }
        } catch (IOException e) {
            return threads;
        }
        return threads;
    }

    /**
     * The thread's time on a CPU: nanoseconds from {@code schedstat} where the kernel keeps it, else
     * {@code stat}'s user and system clock ticks (too coarse for threads that each run a few ms).
     */
    private static long cpuNanos(Path thread) throws IOException {
        Path schedstat = thread.resolve("schedstat");
        if (Files.isReadable(schedstat)) {
            return Long.parseLong(Files.readString(schedstat, StandardCharsets.US_ASCII).split(" ")[0].strip());
        }
        String stat = Files.readString(thread.resolve("stat"), StandardCharsets.US_ASCII);
        // "pid (name) state ppid ...": the name may hold spaces, so split after its ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (long) ((Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * TICK_NANOS);
    }

    /**
     * Per group, the CPU nanoseconds spent between two snapshots by the threads alive at the second,
     * largest first; threads that ended between them are missed.
     */
    static Map<String, Long> since(Map<String, Thread> before, Map<String, Thread> after) {
        Map<String, Long> spent = new HashMap<>();
        after.forEach((id, thread) -> {
            Thread earlier = before.get(id);
            long delta = thread.cpuNanos() - (earlier == null ? 0 : earlier.cpuNanos());
            if (delta > 0) {
                spent.merge(thread.group(), delta, Long::sum);
            }
        });
        Map<String, Long> sorted = new LinkedHashMap<>();
        spent.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(entry -> sorted.put(entry.getKey(), entry.getValue()));
        return sorted;
    }
}
