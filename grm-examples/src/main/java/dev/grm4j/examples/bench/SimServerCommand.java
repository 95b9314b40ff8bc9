package dev.grm4j.examples.bench;

import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
import java.util.concurrent.CountDownLatch;

/**
 * {@code grm sim-server}: the simulated judge as an OpenAI-compatible server on loopback, to try code
 * against without a model ({@code OpenAiCompatibleBackend}, langchain4j's {@code OpenAiChatModel}, a
 * Python client), and for {@code grm bench} to run in a child JVM so that the client's CPU time is
 * measured without the server's. Prints {@code listening <baseUrl>} and serves until stopped (SIGTERM,
 * Ctrl-C); a parent that runs it as a child passes {@code --until-stdin-closes}, so that the child ends
 * with it.
 */
@Command(name = "sim-server",
        description = {"Serves the simulated judge as an OpenAI-compatible server on 127.0.0.1 "
                + "(POST /v1/chat/completions, GET /v1/models) until stopped with SIGTERM or Ctrl-C: try code "
                + "without a model. Its scores are simulated, not from a language model.",
                "Prints 'listening http://127.0.0.1:PORT/v1' first. Exit codes: 0 stopped, 2 usage error."},
        usageHelpAutoWidth = true)
public final class SimServerCommand implements Callable<Integer> {

    /** The line that tells the parent where to connect; the base URL follows it. */
    static final String LISTENING = "listening ";

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    @Option(names = "--port", paramLabel = "P", defaultValue = "8000",
            description = "The port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--latency-ms", paramLabel = "L", defaultValue = "200",
            description = "Milliseconds per call (default: ${DEFAULT-VALUE}).")
    private long latencyMs;

    @Option(names = "--capacity", paramLabel = "C", defaultValue = "0",
            description = "Calls answered at once, the rest queue; 0 for unlimited (default: ${DEFAULT-VALUE}).")
    private int capacity;

    @Option(names = "--sim-accuracy", paramLabel = "P", defaultValue = "0.8",
            description = "How often a sample ranks the best response first, 0..1 (default: ${DEFAULT-VALUE}).")
    private double accuracy;

    @Option(names = "--sim-malformed-rate", paramLabel = "M", defaultValue = "0",
            description = "Share of samples written out of format, 0..1 (default: ${DEFAULT-VALUE}).")
    private double malformedRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seeds the judge (default: ${DEFAULT-VALUE}).")
    private long seed;

    /** For a parent that runs this as a child process: the end of standard input stops it. */
    @Option(names = "--until-stdin-closes", hidden = true)
    private boolean untilStdinCloses;

    private final InputStream stdin;

    public SimServerCommand() {
        this(System.in);
    }

    SimServerCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be in 0..65535, was " + port);
        }
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
            if (untilStdinCloses) {
                byte[] sink = new byte[256];
                while (stdin.read(sink) >= 0) {
                    // Nothing is expected on stdin; its end is the signal to stop.
                }
            } else {
                CountDownLatch stopped = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "grm-sim-server-shutdown"));
                stopped.await();
            }
        }
        return ExitCode.OK;
    }

    /** The child JVM's entry point: {@code grm sim-server} alone, without the rest of the CLI. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SimServerCommand()).execute(args));
    }
}
