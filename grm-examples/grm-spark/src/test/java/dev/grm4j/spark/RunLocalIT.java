package dev.grm4j.spark;

import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run-local.sh} as a user runs it after a build: the job jar through {@code spark-submit}'s entry
 * point, in a JVM of its own, against {@code java -jar grm.jar score} on the same file and judge. Runs
 * after {@code package} (Maven's failsafe plugin), since it needs the jars the build writes.
 */
class RunLocalIT {

    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void run_local_sh_writes_the_lines_grm_jar_score_prints(@TempDir Path dir) throws Exception {
        Path items = Items.write(dir.resolve("items.jsonl"), Items.lines(60, 5));
        try (SimulatedJudgeServer judge = SimulatedJudgeServer.start(SimulatedJudge.builder().seed(2).build())) {
            List<String> flags = List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge", "--seed", "7");
            Path out = dir.resolve("scored");

            List<String> job = new ArrayList<>(List.of(MODULE.resolve("run-local.sh").toString(),
                    "--in", items.toString(), "--out", out.toString()));
            job.addAll(flags);
            Run spark = run(job, dir.resolve("spark.log"));
            List<String> grm = new ArrayList<>(List.of(javaCommand(), "-jar",
                    MODULE.resolve("../target/grm.jar").normalize().toString(), "score", "--in", items.toString()));
            grm.addAll(flags);
            Run score = run(grm, dir.resolve("score.log"));

            assertThat(spark.code()).as("run-local.sh's exit code; its output:%n%s", spark.output()).isZero();
            assertThat(score.code()).as("grm score's exit code; its output:%n%s", score.output()).isEqualTo(3);
            assertThat(ScoreJobTest.partFiles(out)).isNotEmpty();
            List<String> lines = new ArrayList<>();
            for (Path part : ScoreJobTest.partFiles(out)) {
                lines.addAll(Files.readAllLines(part));
            }
            assertThat(lines).hasSize(60).containsExactlyElementsOf(score.stdout());
        }
    }

    private record Run(int code, List<String> stdout, String output) {
    }

    /** Runs {@code command}, standard error to {@code log}; gives up after three minutes. */
    private static Run run(List<String> command, Path log) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(log.getParent(), "stdout", ".txt");
        Process process = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile()).redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        process.getOutputStream().close();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(command.get(0) + " did not finish within 3 minutes; its log:\n" + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readAllLines(stdout, StandardCharsets.UTF_8),
                Files.readString(log) + Files.readString(stdout));
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
