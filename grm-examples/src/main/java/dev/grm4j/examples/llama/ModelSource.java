package dev.grm4j.examples.llama;

import java.net.URI;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a GGUF model is downloaded from, the name it is stored under, and optionally its SHA-256.
 *
 * @param url      an http or https address of the file
 * @param fileName the file name in the store: a plain name ending in {@code .gguf}
 * @param sha256   the file's SHA-256 in hex (any case), checked after the download when present
 */
public record ModelSource(URI url, String fileName, Optional<String> sha256) {

    /**
     * The default model: Qwen2.5-1.5B-Instruct in Q4_K_M quantization (about 1.1 GB), from its
     * publisher's GGUF repository on Hugging Face. Apache-2.0 licensed. No checksum is pinned: the
     * download is checked for its size and GGUF header; pass one with {@link #withSha256} to pin it.
     */
    public static final ModelSource DEFAULT = of(URI.create(
            "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf"));

    public ModelSource {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(sha256, "sha256");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if ((!scheme.equals("http") && !scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("url must be an http or https address, was " + url);
        }
        if (fileName.isBlank() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")
                || !fileName.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            throw new IllegalArgumentException("fileName must be a plain file name ending in .gguf, was '"
                    + fileName + "'");
        }
        if (sha256.isPresent()) {
            String hex = sha256.get().strip().toLowerCase(Locale.ROOT);
            if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("sha256 must be 64 hex digits, was '" + sha256.get() + "'");
            }
            sha256 = Optional.of(hex);
        }
    }

    /**
     * The file at {@code url}, stored under the last segment of its path, without a checksum.
     *
     * @throws IllegalArgumentException if the address is not http(s) or its path does not end in a
     *                                  {@code .gguf} file name
     */
    public static ModelSource of(URI url) {
        Objects.requireNonNull(url, "url");
        String path = url.getPath() == null ? "" : url.getPath();
        return new ModelSource(url, path.substring(path.lastIndexOf('/') + 1), Optional.empty());
    }

    public ModelSource withFileName(String fileName) {
        return new ModelSource(url, fileName, sha256);
    }

    /** This source, checked against {@code sha256} (64 hex digits) after download. */
    public ModelSource withSha256(String sha256) {
        return new ModelSource(url, fileName, Optional.of(Objects.requireNonNull(sha256, "sha256")));
    }

    /** Lower-case hex of {@code digest}, as {@link #sha256()} holds it. */
    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
