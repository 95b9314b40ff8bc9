package dev.grm4j.examples.cli;

import dev.grm4j.core.SamplingOptions;
import dev.grm4j.examples.serve.RewardServer;
import dev.grm4j.metarm.LogisticMetaRm;
import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.voting.VotingGrm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code grm serve}: the reward server, until the process is told to stop. */
@Command(name = "serve",
        description = {"Serves rewards over HTTP: POST /get_reward (OpenRLHF's remote reward contract), "
                + "POST /v1/score (the full vote), POST /v1/spct-reward (the SPCT rule reward), GET /health, GET /metrics.",
                "Stops gracefully on SIGTERM or Ctrl-C: requests in flight are answered first."},
        usageHelpAutoWidth = true)
final class ServeCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private GrmCli parent;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "The address to bind; 0.0.0.0 serves other machines (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "5000", paramLabel = "PORT", description = "Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--k", defaultValue = "8", paramLabel = "K", description = "Samples per rollout (default: ${DEFAULT-VALUE}).")
    private int k;

    @Option(names = "--max-concurrency", defaultValue = "64", paramLabel = "C",
            description = "Most LLM calls in flight over all requests (default: ${DEFAULT-VALUE}).")
    private int maxConcurrency;

    @Option(names = "--max-body-mb", defaultValue = "10", paramLabel = "MB",
            description = "Larger request bodies get 413 (default: ${DEFAULT-VALUE}).")
    private int maxBodyMb;

    @Option(names = "--meta", paramLabel = "MODEL.json",
            description = "A meta RM trained by grm train-metarm: only the top half of each vote's samples, "
                    + "by meta score, vote (MetaRM@k).")
    private Path meta;

    @Mixin
    private BackendOptions backend;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine command = spec.commandLine();
        if (k < 1 || maxConcurrency < 1 || maxBodyMb < 1 || port < 0 || port > 65535) {
            throw new ParameterException(command, "--k, --max-concurrency and --max-body-mb must be >= 1 and --port in "
                    + "0..65535; were " + k + ", " + maxConcurrency + ", " + maxBodyMb + " and " + port);
        }
        Judge judge = backend.open(command, parent.environment());
        VotingGrm voting = VotingGrm.builder(judge.grm()).k(k).seed(backend.seed).maxConcurrency(maxConcurrency)
                .sampling(SamplingOptions.sampled(SamplingOptions.PAPER_TEMPERATURE).withMaxOutputTokens(backend.maxTokens))
                .build();
        RewardServer.Builder builder = RewardServer.builder(voting).host(host).port(port)
                .maxBodyBytes(maxBodyMb * 1024L * 1024L);
        if (meta != null) {
            try {
                builder.guidedBy(MetaGuidedVoting.builder(voting, LogisticMetaRm.load(meta)).seed(backend.seed).build());
            } catch (IOException | RuntimeException e) {
                throw new ParameterException(command, "--meta: cannot load " + meta + ": " + e.getMessage());
            }
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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("stopping: answering requests in flight");
            err.flush();
            server.close();
            stopped.countDown();
        }, "grm-serve-shutdown"));
        stopped.await();
        return GrmCli.EXIT_OK;
    }
}
