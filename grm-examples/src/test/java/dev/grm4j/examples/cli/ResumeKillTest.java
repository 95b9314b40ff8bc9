package dev.grm4j.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
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
 * {@code grm score --resume} against the real thing: a {@code grm} process killed with SIGKILL
 * ({@link Process#destroyForcibly()}) at random points, resumed each time, and the file checked after
 * every kill and at the end. The small version of the reliability suite's 20 kills on 1000 items.
 *
 * <p>How it is built: the simulated judge with {@code --sim-latency-ms} makes a 300-item run take a few
 * seconds, with items in flight at every moment. Each round starts the child, waits until it has
 * written at least one new line (so every round makes progress and the test ends), sleeps a random
 * 0..250 ms and kills it. At 25 ms a call and 4 calls in flight (160 items/s at most) a round writes
 * at most about 45 lines, so five rounds never finish the file and every kill lands mid-run, with
 * items in flight. The simulated judge is deterministic per item, so the finished file must be
 * byte for byte what one uninterrupted run writes; that single comparison covers "every id once, in
 * order, valid JSON on every line", and the explicit checks below say it in those words too.
 */
class ResumeKillTest {

    private static final int ITEMS = 300;
    private static final int KILLS = 5;
    private static final long SEED = System.nanoTime();

    @TempDir
    Path dir;

    @Test
    void a_run_killed_at_random_points_and_resumed_ends_with_every_id_once_in_order() throws Exception {
        Path in = Jsonl.write(dir.resolve("items.jsonl"),
                IntStream.rangeClosed(1, ITEMS).mapToObj(Jsonl::pair).toList());
        byte[] expected = reference(in);
        List<String> expectedLines = lines(expected);
        Path out = dir.resolve("scores.jsonl");
        Random random = new Random(SEED);
        List<Integer> linesAfterKill = new ArrayList<>();

        for (int kill = 1; kill <= KILLS; kill++) {
            long before = lineCount(out);
            Process child = start(in, out, kill);
            waitForMoreLines(child, out, before, kill);
            Thread.sleep(random.nextInt(250));
            assertThat(child.isAlive()).as(context(kill, "still running when killed")).isTrue();
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

            byte[] left = Files.readAllBytes(out);
            assertIsAPrefixOfTheReference(left, expected, expectedLines, kill);
            linesAfterKill.add(lines(left).size());
        }
        Process last = start(in, out, KILLS + 1);
        assertThat(last.waitFor(60, TimeUnit.SECONDS)).as(context(KILLS + 1, "finished")).isTrue();

        assertThat(last.exitValue()).as(() -> context(KILLS + 1, "exit code") + "\n" + log(KILLS + 1)).isZero();
        List<String> finished = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(finished).as(context(KILLS + 1, "ids")).extracting(line -> CliRun.parse(line).get("id").asText())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, ITEMS).mapToObj(n -> "item-" + n).toList());
        assertThat(finished).extracting(line -> CliRun.parse(line).get("outcome").asText()).containsOnly("SCORED");
        assertThat(Files.readAllBytes(out)).as(context(KILLS + 1, "the uninterrupted run's bytes")).isEqualTo(expected);
        // Every round was a real interruption: the file grew, and was incomplete, each time.
        assertThat(linesAfterKill).as(context(KILLS, "lines after each kill")).isSorted()
                .allSatisfy(count -> assertThat(count).isBetween(1, ITEMS - 1));
    }

    /**
     * After a kill the file is whole lines of the reference, in order, then at most the beginning of
     * the next one: never a line out of place, a duplicate or garbage.
     */
    private static void assertIsAPrefixOfTheReference(byte[] left, byte[] expected, List<String> expectedLines,
                                                      int kill) {
        String why = context(kill, "what the killed run left is the start of the reference");
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

    private void waitForMoreLines(Process child, Path out, long before, int kill)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lineCount(out) <= before) {
            assertThat(child.isAlive()).as(() -> context(kill, "child alive while waiting for output") + "\n" + log(kill))
                    .isTrue();
            assertThat(System.nanoTime()).as(context(kill, "a new line within 30 s")).isLessThan(deadline);
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

    private static long lineCount(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        byte[] bytes = Files.readAllBytes(file);
        long count = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                count++;
            }
        }
        return count;
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

    /** What a child printed: its summary line, or the error that stopped it. */
    private String log(int round) {
        try {
            return Files.readString(dir.resolve("child-" + round + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String context(int round, String what) {
        return what + " (round " + round + ", random seed " + SEED + ")";
    }
}
