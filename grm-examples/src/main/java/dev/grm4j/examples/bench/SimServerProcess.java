package dev.grm4j.examples.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@code grm sim-server} in a child JVM: the same java binary and class path as this one. Its CPU
 * time is its own, so the parent's process CPU time is the client's alone.
 *
 * <p>Closing it closes the child's standard input, which stops the server; a child that does not exit
 * at once is destroyed. If the parent dies, the child's standard input closes too and it exits by itself.
 */
final class SimServerProcess implements AutoCloseable {

    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Path log;
    private final CompletableFuture<String> listening;
    private String baseUrl;

    private SimServerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        BufferedReader stdout = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.listening = new CompletableFuture<>();
        // The first line is read on its own thread so that a child that never prints it cannot hang us.
        Thread reader = new Thread(() -> {
            try {
                listening.complete(stdout.readLine());
            } catch (IOException e) {
                listening.complete(null);
            }
        }, "grm-sim-server-" + process.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Launches {@code grm sim-server} with {@code args} and returns at once; {@link #baseUrl()} waits for it.
     *
     * @throws IOException if the JVM cannot be started
     */
    static SimServerProcess launch(List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        // The JDK HTTP server otherwise holds every response ~40 ms (Nagle + delayed ACK).
        command.add("-Dsun.net.httpserver.nodelay=true");
        // A server of futures and a few threads; a small heap keeps two children and the client light.
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SimServerCommand.class.getName());
        command.add("--until-stdin-closes");
        if (!args.contains("--port")) {
            command.addAll(List.of("--port", "0"));
        }
        command.addAll(args);
        Path log = Files.createTempFile("grm-sim-server-", ".log");
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
                .start();
        return new SimServerProcess(process, log);
    }

    /**
     * Waits until the child listens and returns its OpenAI base URL.
     *
     * @throws IOException if the child exits, prints something else, or is silent for a minute; the
     *                     message carries its standard error
     */
    synchronized String baseUrl() throws IOException, InterruptedException {
        if (baseUrl != null) {
            return baseUrl;
        }
        String line;
        try {
            line = listening.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            line = null;
        }
        if (line == null || !line.startsWith(SimServerCommand.LISTENING)) {
            // Its standard output may close a moment before the process is seen to exit.
            boolean exited = process.waitFor(2, TimeUnit.SECONDS);
            throw new IOException("sim-server did not start (first line " + (line == null ? "none" : "'" + line + "'")
                    + (exited ? ", exit code " + process.exitValue() : "") + "): " + childErrors());
        }
        baseUrl = line.substring(SimServerCommand.LISTENING.length()).strip();
        return baseUrl;
    }

    /** The child's process id, to tell its CPU apart in profiles. */
    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // A temporary file left behind is harmless.
            }
        }
    }

    private String childErrors() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "(no output on standard error)" : text.length() > 2000
                    ? "..." + text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(standard error unreadable: " + e.getMessage() + ")";
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
