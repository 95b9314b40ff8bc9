package dev.grm4j.examples.programs;

import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Java example, as a reader copies it: the whole file compiles and runs as written against
 * {@code grm sim-server} on the port it names.
 */
class ReadmeExampleTest {

    @TempDir
    Path dir;

    @Test
    void the_readme_java_example_compiles_and_runs_as_written_against_the_sim_server() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("a ```java block in README.md").isTrue();
        String source = block.group(1);
        Matcher className = Pattern.compile("public class (\\w+)").matcher(source);
        assertThat(className.find()).as("a public class in the README example").isTrue();
        assertThat(source).contains("http://127.0.0.1:8000/v1");
        Path file = Files.writeString(dir.resolve(className.group(1) + ".java"), source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, null, diagnostics, "-cp", System.getProperty("java.class.path"),
                "-d", dir.toString(), file.toString());
        assertThat(compiled).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        String out;
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(
                SimulatedJudge.builder().latency(Duration.ZERO).build()).port(8000).build().start();
             URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            PrintStream original = System.out;
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                loader.loadClass(className.group(1)).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
            } finally {
                System.setOut(original);
            }
            out = printed.toString(StandardCharsets.UTF_8);
        }
        // A greedy reward, then the vote: two lines that name the best response.
        assertThat(out).containsPattern("\\[\\d+, \\d+\\] best [01]").containsPattern("(?m)^\\[\\d+, \\d+\\] best [01]$");
        assertThat(out.lines().filter(line -> line.matches("\\[\\d+, \\d+\\] best [01]")).count()).isEqualTo(2);
    }
}
