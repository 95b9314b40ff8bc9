package dev.grm4j.examples.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.GrmCli;
import dev.grm4j.examples.cli.Jsonl;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reliability suite 4 (batch durability): {@code grm score --resume} on a 1000-item file, killed with
 * SIGKILL ({@link Process#destroyForcibly()}) 20 times at random points, then resumed to the end
 * ({@code -Plong}); every build runs the same with 5 kills on 300 items.
 *
 * <p>The long form of {@link ResumeKillTest}. Each round draws one of two kinds of kill point, so kills
 * land everywhere a run can be: <em>anywhere</em>, a random 0..900 ms after the child starts (in JVM
 * start-up, in the resume scan that truncates a cut line, or mid-run); or <em>mid-run</em>, a random
 * 0..250 ms after the child has written its first new line (items certainly in flight). The simulated
 * judge (25 ms a call, 4 in flight: at most 160 items/s) keeps every round short of the end. After every
 * kill the file must be a byte prefix of what one uninterrupted run writes; at the end it must be that
 * run's bytes exactly: every id once, in order, valid JSON on every line, every line SCORED. The kill
 * points and the times are printed for docs/reliability.md.
 */
class ReliabilityResumeKillTest {

    private static final long SEED = Long.getLong("grm.reliability.seed", System.nanoTime());

    @TempDir
    Path dir;

    /** Where one round was killed, and what the file held then. */
    private record KillPoint(int round, String kind, long delayMs, long aliveMs, int linesBefore, int linesAfter,
                             boolean cutLine) {
        @Override
        public String toString() {
            return String.format("round %2d: %-8s delay %4d ms, killed %5d ms after start, lines %4d -> %4d%s",
                    round, kind, delayMs, aliveMs, linesBefore, linesAfter, cutLine ? " (+ a cut line)" : "");
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void five_sigkills_on_three_hundred_items_lose_nothing_and_invent_nothing() throws Exception {
        killAndResume(300, 5);
    }

    @Test
    @Tag("long")
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void twenty_sigkills_on_a_thousand_items_lose_nothing_and_invent_nothing() throws Exception {
        killAndResume(1000, 20);
    }

    private void killAndResume(int items, int killCount) throws Exception {
        Path in = Jsonl.write(dir.resolve("items.jsonl"),
                IntStream.rangeClosed(1, items).mapToObj(Jsonl::pair).toList());
        byte[] expected = reference(in);
        List<String> expectedLines = lines(expected);
        assertThat(expectedLines).hasSize(items);
        Path out = dir.resolve("scores.jsonl");
        Random random = new Random(SEED);
        List<KillPoint> kills = new ArrayList<>();
        long started = System.nanoTime();

        for (int r = 1; r <= killCount; r++) {
            int round = r;
            int before = lines(read(out)).size();
            long childStart = System.nanoTime();
            Process child = start(in, out, round);
            boolean anywhere = random.nextBoolean();
            long delay;
            if (anywhere) {
                delay = random.nextInt(900);
            } else {
                waitForMoreLines(child, out, before, round);
                delay = random.nextInt(250);
            }
            Thread.sleep(delay);
            assertThat(child.isAlive()).as(() -> context(round, "still running when killed") + "\n" + log(round))
                    .isTrue();
            long aliveMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - childStart);
            assertThat(child.destroyForcibly().waitFor(30, TimeUnit.SECONDS)).as(context(round, "killed")).isTrue();

            byte[] left = read(out);
            assertIsAPrefixOfTheReference(left, expected, expectedLines, round);
            int after = lines(left).size();
            assertThat(after).as(context(round, "the file never shrinks below what a previous round kept"))
                    .isGreaterThanOrEqualTo(before);
            kills.add(new KillPoint(round, anywhere ? "anywhere" : "mid-run", delay, aliveMs, before, after,
                    left.length > 0 && left[left.length - 1] != '\n'));
        }
        long finalStart = System.nanoTime();
        Process last = start(in, out, killCount + 1);
        assertThat(last.waitFor(120, TimeUnit.SECONDS)).as(context(killCount + 1, "finished")).isTrue();
        long finalMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - finalStart);
        long totalMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(last.exitValue()).as(() -> context(killCount + 1, "exit code") + "\n" + log(killCount + 1)).isZero();
        List<String> finished = Files.readAllLines(out, StandardCharsets.UTF_8);
        List<JsonNode> parsed = finished.stream().map(CliRun::parse).toList();
        assertThat(parsed).as(context(killCount + 1, "every id exactly once, in order"))
                .extracting(line -> line.get("id").asText())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, items).mapToObj(n -> "item-" + n).toList());
        assertThat(parsed).as(context(killCount + 1, "every line scored"))
                .extracting(line -> line.get("outcome").asText()).containsOnly("SCORED");
        assertThat(Files.readAllBytes(out)).as(context(killCount + 1, "the uninterrupted run's bytes")).isEqualTo(expected);
        assertThat(kills).as("every kill interrupted an unfinished file")
                .allSatisfy(kill -> assertThat(kill.linesAfter()).isLessThan(items));

        System.out.printf("[reliability 4] seed %d, %d items, %d SIGKILLs, then a final resume%n", SEED, items, killCount);
        kills.forEach(kill -> System.out.println("[reliability 4] " + kill));
        System.out.printf("[reliability 4] final resume: %d -> %d lines in %d ms; total %d ms; "
                        + "rounds with a cut line: %d; rounds with no new line: %d%n",
                kills.get(killCount - 1).linesAfter(), finished.size(), finalMs, totalMs,
                kills.stream().filter(KillPoint::cutLine).count(),
                kills.stream().filter(kill -> kill.linesAfter() == kill.linesBefore()).count());
    }

    /**
     * After a kill the file is whole lines of the reference, in order, then at most the beginning of
     * the next one: never a line out of place, a duplicate or garbage.
     */
    private static void assertIsAPrefixOfTheReference(byte[] left, byte[] expected, List<String> expectedLines,
                                                      int round) {
        String why = context(round, "what the killed run left is the start of the reference");
        assertThat(left.length).as(why).isLessThanOrEqualTo(expected.length);
        assertThat(Arrays.copyOf(expected, left.length)).as(why).isEqualTo(left);
        List<String> whole = lines(left);
        for (int i = 0; i < whole.size(); i++) {
            JsonNode line = CliRun.parse(whole.get(i));
            assertThat(line.get("id").asText()).as(why).isEqualTo("item-" + (i + 1));
        }
        assertThat(whole).as(why).isEqualTo(expectedLines.subList(0, whole.size()));
    }

    private Process start(Path in, Path out, int round) throws IOException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", classPath(),
                GrmCli.class.getName(), "score",
                "--in", in.toString(), "--out", out.toString(), "--resume",
                "--backend", "simulated", "--sim-latency-ms", "25", "--concurrency", "4", "--no-progress");
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("child-" + round + ".log").toFile()))
                .start();
    }

    private void waitForMoreLines(Process child, Path out, int before, int round)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lines(read(out)).size() <= before) {
            assertThat(child.isAlive()).as(() -> context(round, "child alive while waiting for output") + "\n"
                    + log(round)).isTrue();
            assertThat(System.nanoTime()).as(context(round, "a new line within 30 s")).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Grm score into a file in this JVM, with the same options as the children, minus the latency. */
    private byte[] reference(Path in) throws IOException {
        Path out = dir.resolve("reference.jsonl");
        CliRun run = grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated",
                "--concurrency", "4");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return Files.readAllBytes(out);
    }

    private static byte[] read(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    }

    /** The lines that end with a newline; a cut last line is left out. */
    private static List<String> lines(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    private static String classPath() {
        // Surefire hands the forked JVM its class path in a manifest-only jar; it names the real one here.
        String classPath = System.getProperty("surefire.test.class.path");
        return classPath != null ? classPath : System.getProperty("java.class.path");
    }

    private String log(int round) {
        try {
            return Files.readString(dir.resolve("child-" + round + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String context(int round, String what) {
        return what + " (round " + round + ", seed " + SEED + "; rerun with -Dgrm.reliability.seed=" + SEED + ")";
    }
}
