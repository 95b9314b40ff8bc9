package dev.grm4j.examples.llama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.internal.Json;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.examples.options.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code grm models}: the catalogue ({@link ModelCatalog}) and what the model store holds of it, from the
 * file system alone: it never opens a connection and hashes nothing.
 */
@Command(name = "models",
        description = {"Lists the models --backend llama knows by name (--model NAME), the default marked, and what "
                + "the model store holds: each file complete, partly downloaded, missing or of the wrong size, and "
                + "GGUF files the catalogue does not know.",
                "Never opens a connection. A file put in the store by hand is verified against its pinned SHA-256 "
                        + "on first use."},
        usageHelpAutoWidth = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed, whatever the store holds", "1:the model store could not be read", "2:usage error"})
public final class ModelsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "The model store to look in (default: ~/.cache/grm4j/models).")
    private Path modelDir;

    @Option(names = "--json", description = "Write one JSON object instead of the tables.")
    private boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        ModelStore store = ModelStore.builder().directory(modelDir != null ? modelDir : ModelStore.defaultDirectory())
                .offline(true).build();
        List<Model> models = ModelCatalog.entries().stream()
                .map(entry -> new Model(entry, entry.parts().stream().map(store::status).toList()))
                .toList();
        List<Other> others = others(store.directory());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(json(store.directory(), models, others)));
        } else {
            table(out, store.directory(), models, others);
        }
        out.flush();
        return ExitCode.OK;
    }

    /** A catalogue model and what the store holds of each of its parts. */
    private record Model(ModelCatalog.Entry entry, List<ModelStore.PartStatus> parts) {

        /** complete, partial, missing or wrong_size: the model as a whole. */
        String state() {
            if (parts.stream().anyMatch(part -> part.state() == ModelStore.PartStatus.State.WRONG_SIZE)) {
                return "wrong_size";
            }
            if (parts.stream().allMatch(part -> part.state() == ModelStore.PartStatus.State.COMPLETE)) {
                return "complete";
            }
            if (parts.stream().allMatch(part -> part.state() == ModelStore.PartStatus.State.MISSING)) {
                return "missing";
            }
            return "partial";
        }

        long bytesOnDisk() {
            return parts.stream().filter(part -> part.state() != ModelStore.PartStatus.State.WRONG_SIZE)
                    .mapToLong(ModelStore.PartStatus::bytesOnDisk).sum();
        }

        String describe() {
            long complete = parts.stream().filter(part -> part.state() == ModelStore.PartStatus.State.COMPLETE).count();
            return switch (state()) {
                case "complete" -> "complete";
                case "missing" -> "missing";
                case "wrong_size" -> "a file of the wrong size (below)";
                default -> "partial download: " + (parts.size() > 1 ? complete + " of " + parts.size() + " files, " : "")
                        + gigabytes(bytesOnDisk()) + " of " + gigabytes(entry.size());
            };
        }
    }

    /** A GGUF file (or a partial download of one) in the store that is no part of the catalogue. */
    private record Other(String fileName, long bytes, boolean partial) {
    }

    private static List<Other> others(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        Set<String> known = new HashSet<>();
        for (ModelCatalog.Entry entry : ModelCatalog.entries()) {
            for (ModelSource part : entry.parts()) {
                known.add(part.fileName());
                known.add(part.fileName() + ModelStore.PART_SUFFIX);
            }
        }
        List<Other> others = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String name = file.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                boolean partial = lower.endsWith(".gguf" + ModelStore.PART_SUFFIX);
                if ((lower.endsWith(".gguf") || partial) && !known.contains(name) && Files.isRegularFile(file)) {
                    others.add(new Other(name, Files.size(file), partial));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model store " + directory + ": " + e.getMessage(), e);
        }
        return others;
    }

    private static void table(PrintWriter out, Path directory, List<Model> models, List<Other> others) {
        out.println("Models for --backend llama --model NAME (* the default, used without --model):");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("  NAME", "MODEL", "PARAMETERS", "QUANT", "SIZE", "LICENCE", "PARTS", "IN THE STORE"));
        for (Model model : models) {
            ModelCatalog.Entry entry = model.entry();
            rows.add(List.of((entry.isDefault() ? "* " : "  ") + entry.name(), entry.title(), entry.parameters(),
                    entry.quantization(), gigabytes(entry.size()), entry.licence(), String.valueOf(entry.parts().size()),
                    model.describe()));
        }
        columns(out, rows);
        out.println();
        if (!Files.isDirectory(directory)) {
            out.println("Model store: " + directory + " (does not exist yet: nothing downloaded)");
            return;
        }
        out.println("Model store: " + directory);
        List<List<String>> files = new ArrayList<>();
        for (Model model : models) {
            for (ModelStore.PartStatus part : model.parts()) {
                String name = "  " + part.part().fileName();
                long pinned = part.part().size().orElseThrow();
                switch (part.state()) {
                    case COMPLETE -> files.add(List.of(name, ModelStore.bytes(pinned), part.verified()
                            ? "complete, verified" : "complete, SHA-256 checked on first use"));
                    case PARTIAL -> files.add(List.of(name + ModelStore.PART_SUFFIX, String.format(Locale.ROOT,
                            "%,d of %,d bytes", part.bytesOnDisk(), pinned), "partial download: the next run resumes it"));
                    case WRONG_SIZE -> files.add(List.of(name, ModelStore.bytes(part.bytesOnDisk()),
                            "wrong size, pinned to " + ModelStore.bytes(pinned) + ": not used; delete it to download it again"));
                    case MISSING -> {
                        // Listed above as part of its model.
                    }
                }
            }
        }
        for (Other other : others) {
            files.add(List.of("  " + other.fileName(), ModelStore.bytes(other.bytes()),
                    other.partial() ? "partial download, not in the catalogue" : "not in the catalogue (--model FILE)"));
        }
        if (files.isEmpty()) {
            out.println("  (no GGUF files)");
        } else {
            columns(out, files);
        }
    }

    /** The rows as left-aligned columns two spaces apart; the last column is not padded. */
    private static void columns(PrintWriter out, List<List<String>> rows) {
        int[] widths = new int[rows.get(0).size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
                }
            }
            out.println(line);
        }
    }

    private static ObjectNode json(Path directory, List<Model> models, List<Other> others) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("directory", directory.toString());
        root.put("directory_exists", Files.isDirectory(directory));
        root.put("default", ModelCatalog.DEFAULT_NAME);
        ArrayNode list = root.putArray("models");
        for (Model model : models) {
            ModelCatalog.Entry entry = model.entry();
            ObjectNode node = list.addObject();
            node.put("name", entry.name());
            node.put("default", entry.isDefault());
            node.put("title", entry.title());
            node.put("parameters", entry.parameters());
            node.put("quantization", entry.quantization());
            node.put("licence", entry.licence());
            node.put("revision", entry.revision());
            node.put("bytes", entry.size());
            node.put("state", model.state());
            ArrayNode parts = node.putArray("parts");
            for (ModelStore.PartStatus status : model.parts()) {
                ObjectNode part = parts.addObject();
                part.put("file", status.part().fileName());
                part.put("url", status.part().url().toString());
                part.put("bytes", status.part().size().orElseThrow());
                part.put("sha256", status.part().sha256().orElseThrow());
                part.put("state", status.state().name().toLowerCase(Locale.ROOT));
                part.put("bytes_on_disk", status.bytesOnDisk());
                part.put("verified", status.verified());
            }
        }
        ArrayNode files = root.putArray("other_files");
        for (Other other : others) {
            files.addObject().put("file", other.fileName()).put("bytes", other.bytes()).put("partial", other.partial());
        }
        return root;
    }

    /** {@code 4.7 GB} (decimal, as Hugging Face shows sizes); below a gigabyte, {@code 690 MB}. */
    static String gigabytes(long bytes) {
        return bytes >= 1_000_000_000L
                ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%d MB", Math.round(bytes / 1e6));
    }
}
