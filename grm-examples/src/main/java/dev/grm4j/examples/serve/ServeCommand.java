package dev.grm4j.examples.serve;

import dev.grm4j.examples.batch.Judge;
import dev.grm4j.examples.options.BackendOptions;
import dev.grm4j.examples.options.Environment;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.examples.options.Limits;
import dev.grm4j.examples.options.Modes;
import dev.grm4j.metarm.LogisticMetaRm;
import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.voting.VotingGrm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code grm serve}: the reward server, until the process is told to stop. */
@Command(name = "serve",
        description = {"Serves rewards over HTTP: POST /get_reward (OpenRLHF's remote reward contract), "
                + "POST /v1/reward (slime's), POST /v1/group-reward (a prompt's rollouts rated together), "
                + "POST /v1/score (the full vote), POST /v1/spct-reward (the SPCT rule reward), GET /health, "
                + "GET /ready, GET /metrics (Prometheus), GET /v1/stats.",
                "Stops gracefully on SIGTERM or Ctrl-C: requests in flight are answered first."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:stopped (SIGTERM or Ctrl-C) after answering the requests in flight",
                "1:an internal error stopped the server",
                "2:usage error, or the port cannot be listened on"})
public final class ServeCommand implements Callable<Integer> {

    /** The longest --deadline taken: a day. */
    static final double MAX_DEADLINE_SECONDS = 86_400;

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Environment parent;

    @Mixin
    private HelpOption help;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "The address to bind; 0.0.0.0 serves other machines (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "5000", paramLabel = "PORT", description = "Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--k", defaultValue = "8", paramLabel = "K",
            description = "Samples per rollout, 1.." + Limits.MAX_K + " (default: ${DEFAULT-VALUE}).")
    private int k;

    @Option(names = "--deadline", defaultValue = "150", paramLabel = "SECONDS",
            description = "The longest one reward request may take, all its samples, retries and waits for a free "
                    + "call included; then it gets 503 with Retry-After, naming what the judge did. Below OpenRLHF's "
                    + "180 s client timeout, so the trainer sees the cause, not its own timeout "
                    + "(default: ${DEFAULT-VALUE}).")
    private double deadlineSeconds;

    // No defaultValue: picocli would apply it after the hidden alias below had set the field.
    @Option(names = "--concurrency", paramLabel = "C",
            description = "Most LLM calls in flight over all requests (default: 64).")
    private int maxConcurrency = 64;

    /** The name this option had before every command called it {@code --concurrency}; scripts still pass it. */
    @Option(names = "--max-concurrency", hidden = true, paramLabel = "C")
    private void legacyMaxConcurrency(int value) {
        maxConcurrency = value;
    }

    @Option(names = "--adaptive", paramLabel = "off|exact|auto", defaultValue = "auto",
            description = "Stop a request's sampling once its vote is settled: " + Modes.ADAPTIVE_WORDS
                    + " (default: ${DEFAULT-VALUE}: most votes are clear after a few samples; see docs/voting.md). "
                    + "A request of one response always runs all k: its score is the answer. The native API takes "
                    + "\"adaptive\" per request.")
    private String adaptive;

    @Option(names = "--shuffle", paramLabel = "balanced|random|off", defaultValue = "balanced",
            description = "The orders the samples show the responses in: balanced puts every response at "
                    + "every position equally often, random shuffles each sample, off keeps the request's "
                    + "order (default: ${DEFAULT-VALUE}).")
    private String shuffle;

    @Option(names = "--max-body-mb", defaultValue = "10", paramLabel = "MB",
            description = "Larger request bodies get 413 (default: ${DEFAULT-VALUE}).")
    private int maxBodyMb;

    @Option(names = "--max-group", paramLabel = "N",
            description = "The most responses of one group a judgement shows (POST /v1/group-reward, the group "
                    + "window); larger groups are split into balanced sub-groups (default: "
                    + RewardServer.DEFAULT_MAX_GROUP + ", at most the judge's limit of responses per prompt).")
    private Integer maxGroup;

    @Option(names = "--group-window-ms", defaultValue = "0", paramLabel = "W",
            description = "Rate /get_reward rollouts of the same prompt that arrive within W ms of the first as "
                    + "one group, each answered when its group is done; 0 (the default) rates each alone. Turn "
                    + "it on for GRPO-style training, whose rewards are relative within a prompt's rollouts.")
    private long groupWindowMs;

    @Option(names = "--meta", paramLabel = "MODEL.json",
            description = "A meta RM trained by grm train-metarm: only the top half of each vote's samples, "
                    + "by meta score, vote (MetaRM@k).")
    private Path meta;

    @Mixin
    private BackendOptions backend;

    @Override
    public Integer call() {
        CommandLine command = spec.commandLine();
        check(command);
        Duration deadline = Duration.ofMillis(Math.round(deadlineSeconds * 1000));
        // The vote's own deadline comes a little before the server's, so that its answer, which names
        // each sample's failure, is what the client gets; the server's deadline is the backstop.
        Duration voteDeadline = RewardServer.voteDeadline(deadline);
        Judge judge = backend.open(command, parent.environment());
        RewardMetrics metrics = new RewardMetrics();
        VotingGrm voting = VotingGrm.builder(judge.grm()).k(k).seed(backend.seed).maxConcurrency(maxConcurrency)
                .listener(metrics)
                .adaptive(Modes.adaptive(command, adaptive)).shuffle(Modes.shuffle(command, shuffle))
                .sampling(backend.votingSampling())
                .deadline(voteDeadline)
                .callTimeout(voteDeadline.compareTo(backend.timeout()) < 0 ? voteDeadline : backend.timeout())
                .build();
        VotingGrm served = voting;
        if (meta != null) {
            try {
                served = MetaGuidedVoting.builder(voting, LogisticMetaRm.load(meta)).seed(backend.seed).build();
            } catch (IOException | RuntimeException e) {
                throw new ParameterException(command, "--meta: cannot load " + meta + ": " + e.getMessage());
            }
        }
        RewardServer.Builder builder = RewardServer.builder(served).host(host).port(port)
                .maxBodyBytes(maxBodyMb * 1024L * 1024L).deadline(deadline)
                .metrics(metrics).probe(judge.backend()::probeAsync);
        if (maxGroup != null) {
            if (maxGroup > judge.maxResponses()) {
                throw new ParameterException(command, "--max-group must be at most " + judge.maxResponses()
                        + ", the most responses the judge is shown in one prompt, was " + maxGroup);
            }
            builder.maxGroup(maxGroup);
        }
        if (groupWindowMs > 0) {
            builder.groupWindow(Duration.ofMillis(groupWindowMs));
        }
        RewardServer server = builder.build();
        PrintWriter err = command.getErr();
        try {
            server.start();
        } catch (IOException e) {
            throw new ParameterException(command, "--port: cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        command.getOut().println("listening " + server.baseUrl());
        command.getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop(server, err);
            stopped.countDown();
        }, "grm-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // Stopped from inside the JVM (an embedding program, a test): stop as SIGTERM would.
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running and stops the server itself
            }
            stop(server, err);
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }

    private static void stop(RewardServer server, PrintWriter err) {
        err.println("stopping: answering requests in flight");
        err.flush();
        server.close();
    }

    private void check(CommandLine command) {
        Limits.requireK(command, k);
        if (!(deadlineSeconds > 0) || deadlineSeconds > MAX_DEADLINE_SECONDS || Math.round(deadlineSeconds * 1000) < 1) {
            throw new ParameterException(command, "--deadline must be a number of seconds in (0, "
                    + (long) MAX_DEADLINE_SECONDS + "], at least 0.001, was " + deadlineSeconds);
        }
        if (maxConcurrency < 1) {
            String typed = command.getParseResult().hasMatchedOption("--max-concurrency")
                    ? "--max-concurrency" : "--concurrency";
            throw new ParameterException(command, typed + " must be >= 1, was " + maxConcurrency);
        }
        if (maxGroup != null && maxGroup < 2) {
            throw new ParameterException(command, "--max-group must be >= 2, was " + maxGroup);
        }
        if (groupWindowMs < 0 || groupWindowMs > 60_000) {
            throw new ParameterException(command, "--group-window-ms must be in 0..60000, was " + groupWindowMs);
        }
        if (maxBodyMb < 1 || maxBodyMb > 2047) {
            throw new ParameterException(command, "--max-body-mb must be in 1..2047, was " + maxBodyMb);
        }
        if (port < 0 || port > 65535) {
            throw new ParameterException(command, "--port must be in 0..65535, was " + port);
        }
    }
}
