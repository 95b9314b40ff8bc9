package dev.grm4j.examples.bench;

import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.options.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code grm sim-server} (hidden): the simulated judge as an OpenAI-compatible server on loopback, for
 * {@code grm bench} to run in a child JVM so that the client's CPU time is measured without the
 * server's. Prints {@code listening <baseUrl>} and serves until standard input closes (the parent ended
 * or closed it) or the process is killed.
 */
@Command(name = "sim-server", hidden = true,
        description = "Serves the simulated judge on 127.0.0.1 until standard input closes.")
public final class SimServerCommand implements Callable<Integer> {

    /** The line that tells the parent where to connect; the base URL follows it. */
    static final String LISTENING = "listening ";

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "P", defaultValue = "0", description = "0 picks a free port.")
    private int port;

    @Option(names = "--latency-ms", paramLabel = "L", defaultValue = "200", description = "Milliseconds per call.")
    private long latencyMs;

    @Option(names = "--capacity", paramLabel = "C", defaultValue = "0",
            description = "Calls answered at once, the rest queue; 0 for unlimited.")
    private int capacity;

    @Option(names = "--sim-accuracy", paramLabel = "P", defaultValue = "0.8")
    private double accuracy;

    @Option(names = "--sim-malformed-rate", paramLabel = "M", defaultValue = "0")
    private double malformedRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0")
    private long seed;

    private final InputStream stdin;

    public SimServerCommand() {
        this(System.in);
    }

    SimServerCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        if (capacity < 0 || latencyMs < 0) {
            throw new ParameterException(spec.commandLine(),
                    "--capacity and --latency-ms must be >= 0, were " + capacity + " and " + latencyMs);
        }
        SimulatedJudge judge = SimulatedJudge.builder()
                .accuracy(accuracy)
                .malformedRate(malformedRate)
                .latency(Duration.ofMillis(latencyMs))
                .seed(seed)
                .build();
        SimulatedJudgeServer.Builder builder = SimulatedJudgeServer.builder(judge).port(port);
        if (capacity > 0) {
            builder.capacity(capacity);
        }
        try (SimulatedJudgeServer server = builder.build().start()) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(LISTENING + server.baseUrl());
            out.flush();
            byte[] sink = new byte[256];
            while (stdin.read(sink) >= 0) {
                // Nothing is expected on stdin; its end is the signal to stop.
            }
        }
        return ExitCode.OK;
    }

    /** The child JVM's entry point: {@code grm sim-server} alone, without the rest of the CLI. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SimServerCommand()).execute(args));
    }
}
