package dev.grm4j.examples.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.Outcome;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmEvaluation;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmFormatException;
import dev.grm4j.metarm.LogisticMetaRm.TrainingMetrics;
import dev.grm4j.metarm.LogisticMetaRm;
import dev.grm4j.metarm.MetaRatingException;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader;
import dev.grm4j.metarm.TrajectoryRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code grm train-metarm}: trains a {@link LogisticMetaRm} on a trajectory file ({@code grm eval
 * --record}), holding out a share of the items, and writes the model. The last line of standard output
 * is one JSON object with the held-out figures.
 */
@Command(name = "train-metarm",
        description = {
                "Trains a logistic meta reward model on recorded trajectories (grm eval --record FILE.jsonl) and "
                        + "writes it as JSON, for grm eval --meta.",
                "Items are split by request: every sample of an item is on the same side of the holdout.",
                "Incomplete items are dropped before the split, and counted on standard error and in the "
                        + "summary: items with fewer samples than the file's largest (a run killed or stopped while "
                        + "recording them) and items with a sample the judge never answered (BACKEND_ERROR).",
                "The last output line is {\"auc\": .., \"accuracy\": .., \"log_loss\": .., \"train\": n, "
                        + "\"holdout\": m, \"dropped_incomplete\": d}: held-out figures (null without a "
                        + "holdout), the labelled samples on each side and the items dropped as incomplete."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:the model was trained and written",
                "1:an I/O or internal error stopped the run",
                "2:usage error, or an input file that cannot be trained on (a malformed line, no labels)"})
public final class TrainMetaRmCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    @Option(names = "--in", required = true, paramLabel = "FILE.jsonl",
            description = "The trajectories: one sampled judgement a line, as grm eval --record writes them.")
    private Path in;

    @Option(names = "--out", required = true, paramLabel = "MODEL.json", description = "Where to write the model.")
    private Path out;

    @Option(names = "--holdout", paramLabel = "SHARE", defaultValue = "0.2",
            description = "The share of items held out and measured, in [0, 1) (default: ${DEFAULT-VALUE}).")
    private double holdout;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seeds the holdout split; the same file and seed give the same model (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--l2", paramLabel = "L", defaultValue = "" + LogisticMetaRm.Trainer.DEFAULT_L2,
            description = "The L2 penalty on standardized weights (default: ${DEFAULT-VALUE}).")
    private double l2;

    @Override
    public Integer call() {
        CommandLine command = spec.commandLine();
        check(command);
        PrintWriter out = command.getOut();
        PrintWriter err = command.getErr();
        List<TrajectoryRecord> records;
        try {
            records = TrajectoryReader.readAll(in);
        } catch (MetaRmFormatException e) {
            return fail(err, "error: " + in + ": " + e.getMessage(), ExitCode.USAGE);
        } catch (IOException e) {
            return fail(err, "error: cannot read " + in + ": " + e.getMessage(), ExitCode.FAILED);
        }
        long items = records.stream().map(TrajectoryRecord::item).distinct().count();
        long labelled = records.stream().filter(record -> record.label().isPresent()).count();
        out.printf(Locale.ROOT, "read %d samples of %d items from %s (%d scored with a label)%n", records.size(), items,
                in, labelled);
        Incomplete incomplete = Incomplete.of(records);
        if (incomplete.dropped() > 0) {
            String line = incomplete.describe();
            out.println(line);
            err.println("warning: " + line);
            err.flush();
            records = incomplete.kept();
        }
        LogisticMetaRm model;
        try {
            model = LogisticMetaRm.trainer().holdout(holdout).seed(seed).l2(l2).train(records);
        } catch (IllegalArgumentException e) {
            return fail(err, "error: " + in + ": cannot train: " + e.getMessage(), ExitCode.USAGE);
        } catch (MetaRatingException e) {
            return fail(err, "error: " + e.getMessage(), ExitCode.FAILED);
        }
        TrainingMetrics metrics = model.trained().orElseThrow();
        MetaRmEvaluation train = metrics.train();
        out.printf(Locale.ROOT, "trained on %d items (%d labelled samples, %.1f%% correct): AUC %s, accuracy %s, "
                        + "log loss %s%n", train.items(), train.samples(), 100.0 * train.positives() / train.samples(),
                figure(train.auc()), figure(train.accuracy()), figure(train.logLoss()));
        metrics.holdout().ifPresentOrElse(
                held -> out.printf(Locale.ROOT, "held out %d items (%d labelled samples, seed %d): AUC %s, "
                                + "accuracy %s, log loss %s%n", held.items(), held.samples(), seed, figure(held.auc()),
                        figure(held.accuracy()), figure(held.logLoss())),
                () -> out.println("no holdout (--holdout 0): no held-out figures"));
        try {
            model.save(this.out);
        } catch (IOException e) {
            return fail(err, "error: cannot write " + this.out + ": " + e.getMessage(), ExitCode.FAILED);
        }
        out.println("wrote " + this.out + " (" + model.features().size() + " features)");
        out.println(summary(metrics, incomplete.dropped()));
        out.flush();
        return ExitCode.OK;
    }

    /** The last line: held-out figures (null when undefined) and the labelled samples on each side. */
    static String summary(TrainingMetrics metrics) {
        return summary(metrics, 0);
    }

    /**
     * The last line: held-out figures (null when undefined), the labelled samples on each side, and the
     * items dropped as incomplete.
     */
    static String summary(TrainingMetrics metrics, long droppedIncomplete) {
        ObjectNode line = JSON.createObjectNode();
        MetaRmEvaluation held = metrics.holdout().orElse(null);
        put(line, "auc", held == null ? Double.NaN : held.auc());
        put(line, "accuracy", held == null ? Double.NaN : held.accuracy());
        put(line, "log_loss", held == null ? Double.NaN : held.logLoss());
        line.put("train", metrics.train().samples());
        line.put("holdout", held == null ? 0 : held.samples());
        line.put("dropped_incomplete", droppedIncomplete);
        return line.toString();
    }

    /**
     * The items of a trajectory file that are not whole votes: with fewer samples than the file's
     * largest item (a run killed or stopped while writing it, a sample missing), or with a sample the
     * judge never answered ({@code BACKEND_ERROR}: unreachable, overloaded, past the deadline). Their
     * other samples are real, but the context a meta RM reads (how a sample agrees with the rest of its
     * vote) would come from another number of samples than a full vote's, so they are left out.
     *
     * @param kept               the records of the whole items, in file order
     * @param dropped            items left out
     * @param withBackendErrors  of those, items with a sample the judge never answered
     * @param missingSamples     of those, items with fewer samples than the largest
     * @param samples            the samples of the largest item
     */
    record Incomplete(List<TrajectoryRecord> kept, long dropped, long withBackendErrors, long missingSamples,
                      int samples) {

        static Incomplete of(List<TrajectoryRecord> records) {
            Map<String, List<TrajectoryRecord>> byItem = new LinkedHashMap<>();
            records.forEach(record -> byItem.computeIfAbsent(record.item(), key -> new ArrayList<>()).add(record));
            int largest = byItem.values().stream().mapToInt(samples -> distinctSamples(samples)).max().orElse(0);
            Set<String> dropped = new HashSet<>();
            long backend = 0;
            long missing = 0;
            for (Map.Entry<String, List<TrajectoryRecord>> item : byItem.entrySet()) {
                boolean failed = item.getValue().stream().anyMatch(r -> r.outcome() == Outcome.BACKEND_ERROR);
                boolean cutShort = distinctSamples(item.getValue()) < largest;
                if (failed || cutShort) {
                    dropped.add(item.getKey());
                    backend += failed ? 1 : 0;
                    missing += cutShort ? 1 : 0;
                }
            }
            List<TrajectoryRecord> kept = dropped.isEmpty() ? records
                    : records.stream().filter(record -> !dropped.contains(record.item())).toList();
            return new Incomplete(kept, dropped.size(), backend, missing, largest);
        }

        private static int distinctSamples(List<TrajectoryRecord> samples) {
            return (int) samples.stream().mapToInt(TrajectoryRecord::sample).distinct().count();
        }

        /** E.g. "dropped 3 incomplete items: 2 with samples the judge never answered, 1 with fewer than 8 samples". */
        String describe() {
            List<String> why = new ArrayList<>();
            if (withBackendErrors > 0) {
                why.add(withBackendErrors + " with samples the judge never answered (BACKEND_ERROR)");
            }
            if (missingSamples > 0) {
                why.add(missingSamples + " with fewer than " + samples + " samples");
            }
            return "dropped " + dropped + " incomplete " + (dropped == 1 ? "item" : "items") + ": "
                    + String.join(", ", why) + "; training uses the other "
                    + kept.stream().map(TrajectoryRecord::item).distinct().count();
        }
    }

    private static void put(ObjectNode line, String name, double value) {
        if (Double.isFinite(value)) {
            line.put(name, value);
        } else {
            line.putNull(name);
        }
    }

    private static String figure(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : "n/a";
    }

    private static int fail(PrintWriter err, String message, int code) {
        err.println(message);
        err.flush();
        return code;
    }

    private void check(CommandLine command) {
        if (!(holdout >= 0 && holdout < 1)) {
            throw new ParameterException(command, "--holdout must be in [0, 1), was " + holdout);
        }
        if (!(l2 >= 0) || !Double.isFinite(l2)) {
            throw new ParameterException(command, "--l2 must be finite and >= 0, was " + l2);
        }
        if (!Files.exists(in)) {
            throw new ParameterException(command, "--in: file not found: " + in);
        }
        if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
            throw new ParameterException(command, "--in: not a readable file: " + in);
        }
        Path parentDir = out.toAbsolutePath().getParent();
        if (parentDir != null && !Files.isDirectory(parentDir)) {
            throw new ParameterException(command, "--out: directory not found: " + parentDir);
        }
        if (Files.isDirectory(out)) {
            throw new ParameterException(command, "--out: is a directory: " + out);
        }
        try {
            if (Files.exists(out) && Files.isSameFile(in, out)) {
                throw new ParameterException(command, "--out names the same file as --in; it would be overwritten: "
                        + out);
            }
        } catch (IOException e) {
            // Unknown: let the write report it.
        }
    }
}
