package dev.grm4j.examples.llama;

import java.net.URI;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a GGUF file is downloaded from, the name it is stored under, and optionally its exact size and
 * SHA-256. A source with both is <em>pinned</em> ({@link #isPinned()}): the model store accepts
 * exactly those bytes and nothing else. The catalogue's models ({@link ModelCatalog}) are pinned.
 *
 * @param url      an http or https address of the file
 * @param fileName the file name in the store: a plain name ending in {@code .gguf}
 * @param size     the file's exact size in bytes (positive), checked before and after the download
 *                 when present
 * @param sha256   the file's SHA-256 in hex (any case; held in lower case), checked after the download
 *                 when present
 */
public record ModelSource(URI url, String fileName, OptionalLong size, Optional<String> sha256) {

    public ModelSource {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(size, "size");
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
        if (size.isPresent() && size.getAsLong() <= 0) {
            throw new IllegalArgumentException("size must be > 0 bytes, was " + size.getAsLong());
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
     * The file at {@code url}, stored under the last segment of its path, with neither size nor checksum.
     *
     * @throws IllegalArgumentException if the address is not http(s) or its path does not end in a
     *                                  {@code .gguf} file name
     */
    public static ModelSource of(URI url) {
        Objects.requireNonNull(url, "url");
        String path = url.getPath() == null ? "" : url.getPath();
        return new ModelSource(url, path.substring(path.lastIndexOf('/') + 1), OptionalLong.empty(), Optional.empty());
    }

    /**
     * The file at {@code url}, stored under the last segment of its path, pinned to {@code size} bytes and
     * {@code sha256}.
     *
     * @throws IllegalArgumentException as {@link #of(URI)}, or if the size is not positive or the hash is
     *                                  not 64 hex digits
     */
    public static ModelSource pinned(URI url, long size, String sha256) {
        return of(url).withSize(size).withSha256(sha256);
    }

    public ModelSource withFileName(String fileName) {
        return new ModelSource(url, fileName, size, sha256);
    }

    /** This source, checked against {@code size} bytes before and after download. */
    public ModelSource withSize(long size) {
        return new ModelSource(url, fileName, OptionalLong.of(size), sha256);
    }

    /** This source, checked against {@code sha256} (64 hex digits) after download. */
    public ModelSource withSha256(String sha256) {
        return new ModelSource(url, fileName, size, Optional.of(Objects.requireNonNull(sha256, "sha256")));
    }

    /** Whether both the exact size and the SHA-256 are known: only those bytes are accepted. */
    public boolean isPinned() {
        return size.isPresent() && sha256.isPresent();
    }

    /** Lower-case hex of {@code digest}, as {@link #sha256()} holds it. */
    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
