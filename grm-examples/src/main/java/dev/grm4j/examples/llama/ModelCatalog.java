package dev.grm4j.examples.llama;

import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GGUF models {@code grm --backend llama --model NAME} knows by name. Every file in the catalogue is pinned: its
 * address names a commit of its repository (not a branch), and its exact size and SHA-256 are known,
 * so the model store accepts those bytes and no others.
 *
 * <p>Where each pin comes from, since none of it can be fetched on the build machine:
 * <ul>
 *   <li>{@code qwen2.5-1.5b}: the address, size and SHA-256 given in issue 14 from the Hugging Face listing of
 *       {@code Qwen/Qwen2.5-1.5B-Instruct-GGUF}; the same Git LFS object (oid and size) appears in the public
 *       commit 24bf521 of {@code flyingfishinwater/good_and_small_models}, a re-upload of the file, and several
 *       public projects pin this revision, size and hash.</li>
 *   <li>{@code qwen2.5-7b}: <em>not</em> read off the Hugging Face file pages, which are out of reach here.
 *       Six public repositories pin {@code Qwen/Qwen2.5-7B-Instruct-GGUF} at this revision with these two
 *       hashes, two of them with these exact sizes too; five more list the same sizes and hashes, one saying it
 *       compared them with the Hugging Face API's {@code lfs.oid} (another fetches them at 293ca9a, the commit
 *       that last wrote the weights). The download checks all three, so a wrong pin fails loudly; it cannot
 *       load other bytes.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelCatalog {

    /** The name of the model used when {@code --model} is not given. */
    public static final String DEFAULT_NAME = "qwen2.5-1.5b";

    private static final List<Entry> ENTRIES = List.of(
            huggingFace("qwen2.5-1.5b", "Qwen2.5-1.5B-Instruct", "1.5B", "Q4_K_M", "Apache-2.0",
                    "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "91cad51170dc346986eccefdc2dd33a9da36ead9",
                    part("qwen2.5-1.5b-instruct-q4_k_m.gguf", 1_117_320_736L,
                            "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e")),
            huggingFace("qwen2.5-7b", "Qwen2.5-7B-Instruct", "7.6B", "Q4_K_M", "Apache-2.0",
                    "Qwen/Qwen2.5-7B-Instruct-GGUF", "bb5d59e06d9551d752d08b292a50eb208b07ab1f",
                    part("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", 3_993_201_344L,
                            "dfce12e3862a5283ccfb88221b48480e58745165de856439950d0f22590580db"),
                    part("qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf", 689_872_288L,
                            "539cf93f78e887edea1c04e2d7d8cdaca9d01dae9c9025bcb8accbe29df3d72a")));

    private ModelCatalog() {
    }

    /** Every model, the default first. */
    public static List<Entry> entries() {
        return ENTRIES;
    }

    /** The model used when {@code --model} is not given: {@value #DEFAULT_NAME}. */
    public static Entry defaultModel() {
        return find(DEFAULT_NAME).orElseThrow();
    }

    /** The model called {@code name} (exactly, as {@link Entry#name()} spells it), if there is one. */
    public static Optional<Entry> find(String name) {
        Objects.requireNonNull(name, "name");
        return ENTRIES.stream().filter(entry -> entry.name().equals(name)).findFirst();
    }

    /** The names, in catalogue order. */
    public static List<String> names() {
        return ENTRIES.stream().map(Entry::name).toList();
    }

    /**
     * One model of the catalogue.
     *
     * <p>A model in several parts is a llama.cpp split: its files are named
     * {@code PREFIX-00001-of-0000N.gguf} to {@code PREFIX-0000N-of-0000N.gguf}, in that order, and llama.cpp
     * loads it from the first ({@link #firstPart()}), finding the others beside it. All of them must be in
     * the same directory.
     *
     * @param name         what {@code --model} calls it: lower case letters, digits, dots and dashes
     * @param title        the model's own name, e.g. {@code Qwen2.5-7B-Instruct}
     * @param parameters   the parameter count as its publisher rounds it, e.g. {@code 7.6B}
     * @param quantization the GGUF quantization, e.g. {@code Q4_K_M}
     * @param licence      the SPDX identifier of the weights' licence
     * @param revision     the commit of the publisher's repository the files are pinned to: 40 hex digits,
     *                     part of every part's address
     * @param parts        the files, each {@linkplain ModelSource#isPinned() pinned}; one, or a split in order
     */
    public record Entry(String name, String title, String parameters, String quantization, String licence,
                        String revision, List<ModelSource> parts) {

        private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");
        private static final Pattern REVISION = Pattern.compile("[0-9a-f]{40}");
        private static final Pattern SPLIT = Pattern.compile("(.+)-(\\d{5})-of-(\\d{5})\\.gguf");

        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(parameters, "parameters");
            Objects.requireNonNull(quantization, "quantization");
            Objects.requireNonNull(licence, "licence");
            Objects.requireNonNull(revision, "revision");
            parts = List.copyOf(Objects.requireNonNull(parts, "parts"));
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name must be lower case letters, digits, dots and dashes, was '"
                        + name + "'");
            }
            if (!REVISION.matcher(revision).matches()) {
                throw new IllegalArgumentException("revision must be a commit, 40 lower-case hex digits, was '"
                        + revision + "'");
            }
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("model " + name + " needs at least one part");
            }
            Set<String> fileNames = new HashSet<>();
            for (ModelSource part : parts) {
                if (!part.isPinned()) {
                    throw new IllegalArgumentException("every part of a catalogue model is pinned by size and SHA-256; "
                            + part.fileName() + " of " + name + " is not");
                }
                String path = part.url().getPath() == null ? "" : part.url().getPath();
                if (!path.contains("/" + revision + "/")) {
                    throw new IllegalArgumentException("the address of " + part.fileName() + " must name revision "
                            + revision + ", was " + part.url());
                }
                if (!fileNames.add(part.fileName().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("model " + name + " lists " + part.fileName() + " twice");
                }
            }
            if (parts.size() > 1) {
                checkSplit(name, parts);
            }
        }

        private static void checkSplit(String name, List<ModelSource> parts) {
            String prefix = null;
            for (int i = 0; i < parts.size(); i++) {
                String expected = String.format(Locale.ROOT, "-%05d-of-%05d.gguf", i + 1, parts.size());
                Matcher matcher = SPLIT.matcher(parts.get(i).fileName());
                if (!matcher.matches() || !parts.get(i).fileName().endsWith(expected)
                        || (prefix != null && !prefix.equals(matcher.group(1)))) {
                    throw new IllegalArgumentException("part " + (i + 1) + " of the split model " + name
                            + " must be named PREFIX" + expected + ", one prefix for all (llama.cpp finds the parts "
                            + "by name), was " + parts.get(i).fileName());
                }
                prefix = matcher.group(1);
            }
        }

        /** The file llama.cpp opens: the only part, or the first of a split. */
        public ModelSource firstPart() {
            return parts.get(0);
        }

        /** The total size of the parts, in bytes. */
        public long size() {
            return parts.stream().mapToLong(part -> part.size().getAsLong()).sum();
        }

        /** Whether this is the model used without {@code --model}. */
        public boolean isDefault() {
            return name.equals(DEFAULT_NAME);
        }
    }

    private static Entry huggingFace(String name, String title, String parameters, String quantization,
                                     String licence, String repository, String revision, Part... parts) {
        return new Entry(name, title, parameters, quantization, licence, revision, Arrays.stream(parts)
                .map(part -> ModelSource.pinned(URI.create("https://huggingface.co/" + repository + "/resolve/"
                        + revision + "/" + part.fileName()), part.size(), part.sha256()))
                .toList());
    }

    private static Part part(String fileName, long size, String sha256) {
        return new Part(fileName, size, sha256);
    }

    private record Part(String fileName, long size, String sha256) {
    }
}
