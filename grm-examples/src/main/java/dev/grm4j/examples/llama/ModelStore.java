package dev.grm4j.examples.llama;

import dev.grm4j.core.Ticker;
import dev.grm4j.examples.terminal.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A directory of GGUF models, filled on first use by downloading them.
 *
 * <p>{@link #fetch(ModelSource)} returns the stored file when it is there, without touching the
 * network. Otherwise it downloads the file into {@code NAME.part}, resuming a previous partial
 * download with an HTTP range request (and retrying a broken transfer the same way, up to
 * {@link Builder#attempts(int)} times), and renames it to {@code NAME} only after the checks pass: the
 * size the server announced, the GGUF header (magic {@code GGUF} and a known version) and what the
 * source pins: its exact size (checked against what the server announces before the body is read,
 * and against the file after) and its SHA-256. A file that fails a check is deleted. Redirects
 * (Hugging Face answers with one to its CDN) are followed by hand, so the range survives them.
 * Processes that fetch the same model at once take turns through a lock file, {@code NAME.lock}.
 * {@link #fetch(ModelCatalog.Entry)} fetches every part of a catalogue model the same way and returns
 * the first, the one llama.cpp opens.
 *
 * <p>A stored file of a pinned source is checked before it is used: a wrong size is reported (never
 * re-used, never deleted: it may be the user's), and its SHA-256 is computed once, on first use, and
 * remembered in {@code NAME.verified} with the file's size and modification time, so that a file put
 * there by hand is verified too, and later runs do not read gigabytes again.
 *
 * <p>When no connection can be made (offline, unknown host, refused, or no answer within the connect
 * timeout, 10 seconds by default), the fetch fails at once with an exception whose
 * {@link ModelStoreException#isUnreachable()} is true: nothing is retried. A store built
 * {@linkplain Builder#offline(boolean) offline} never opens a connection: a model that is not there
 * fails at once ({@link ModelStoreException#isOffline()}), naming every missing file, its address and
 * size, and the directory to put it in.
 *
 * <p>Thread-safe: one fetch at a time per store (later callers wait and then find the file).
 */
public final class ModelStore {

    static final int MAX_REDIRECTS = 5;
    /** A download in progress, or broken off and resumable: {@code NAME.part}. */
    static final String PART_SUFFIX = ".part";
    /** What a verified file's SHA-256 was checked against: {@code NAME.verified}. */
    static final String VERIFIED_SUFFIX = ".verified";
    static final String LOCK_SUFFIX = ".lock";

    private final Path directory;
    private final HttpClient http;
    private final Duration connectTimeout;
    private final int attempts;
    private final PrintWriter progress;
    private final Ticker ticker;
    private final boolean offline;

    private ModelStore(Builder builder) {
        this.directory = builder.directory;
        this.connectTimeout = builder.connectTimeout;
        this.attempts = builder.attempts;
        this.progress = builder.progress;
        this.ticker = builder.ticker;
        this.offline = builder.offline;
        // Offline, not even a client: nothing here can open a connection.
        this.http = offline ? null : HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code ~/.cache/grm4j/models}. */
    public static Path defaultDirectory() {
        return Path.of(System.getProperty("user.home"), ".cache", "grm4j", "models");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path directory() {
        return directory;
    }

    /** Whether this store never opens a connection ({@link Builder#offline(boolean)}). */
    public boolean isOffline() {
        return offline;
    }

    /** Where {@code source} is (or will be) stored. */
    public Path pathOf(ModelSource source) {
        return directory.resolve(source.fileName());
    }

    /** Where a download of {@code source} in progress, or broken off, is kept. */
    Path partialPathOf(ModelSource source) {
        return directory.resolve(source.fileName() + PART_SUFFIX);
    }

    /**
     * The stored file, downloaded first if it is not there yet.
     *
     * @throws ModelStoreException if the server cannot be reached, answers with an error, the transfer
     *                             fails {@link Builder#attempts(int)} times, or the file fails a check;
     *                             also if a stored file is not a GGUF model or not the pinned file, and,
     *                             offline, if the file is not there
     * @throws UncheckedIOException if the directory cannot be written
     */
    public synchronized Path fetch(ModelSource source) {
        Objects.requireNonNull(source, "source");
        return fetchAll(source.fileName(), List.of(source)).get(0);
    }

    /**
     * Every part of {@code model}, downloaded first where missing, in order; returns the first part, the
     * file llama.cpp opens (it finds the others beside it). Offline, nothing is fetched unless every part
     * is there.
     *
     * @throws ModelStoreException as {@link #fetch(ModelSource)}, for the first part that fails; the parts
     *                             before it stay stored
     * @throws UncheckedIOException if the directory cannot be written
     */
    public synchronized Path fetch(ModelCatalog.Entry model) {
        Objects.requireNonNull(model, "model");
        return fetchAll("model " + model.name(), model.parts()).get(0);
    }

    /**
     * What the store holds of {@code part}, from the file system alone: nothing is hashed or downloaded.
     *
     * @throws UncheckedIOException if the directory cannot be read
     */
    public PartStatus status(ModelSource part) {
        Objects.requireNonNull(part, "part");
        Path target = pathOf(part);
        try {
            if (Files.isRegularFile(target)) {
                long size = Files.size(target);
                if (part.size().isPresent() && size != part.size().getAsLong()) {
                    return new PartStatus(part, PartStatus.State.WRONG_SIZE, size, false);
                }
                return new PartStatus(part, PartStatus.State.COMPLETE, size, isVerified(part, target));
            }
            Path partial = partialPathOf(part);
            if (Files.isRegularFile(partial)) {
                return new PartStatus(part, PartStatus.State.PARTIAL, Files.size(partial), false);
            }
            return new PartStatus(part, PartStatus.State.MISSING, 0, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model store " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the store holds of one file.
     *
     * @param part        the file
     * @param state       complete, partly downloaded, missing, or there with the wrong size
     * @param bytesOnDisk the size of the stored file, or of the partial download; 0 when missing
     * @param verified    whether the stored file's SHA-256 was checked against the pin (on download or
     *                    first use) and the file has not changed since
     */
    public record PartStatus(ModelSource part, State state, long bytesOnDisk, boolean verified) {

        public PartStatus {
            Objects.requireNonNull(part, "part");
            Objects.requireNonNull(state, "state");
        }

        /** What the store holds of one file. */
        public enum State {
            /** The file is there, with the pinned size when there is one. */
            COMPLETE,
            /** Only a partial download ({@code NAME.part}) is there; the next fetch resumes it. */
            PARTIAL,
            /** Neither the file nor a partial download is there. */
            MISSING,
            /** A file is there under the name, but its size is not the pinned one: it is not used. */
            WRONG_SIZE
        }
    }

    private List<Path> fetchAll(String what, List<ModelSource> parts) {
        try {
            if (offline) {
                List<ModelSource> missing = new ArrayList<>();
                for (ModelSource part : parts) {
                    if (!Files.isRegularFile(pathOf(part)) && !partIsWhole(part)) {
                        missing.add(part);
                    }
                }
                if (!missing.isEmpty()) {
                    throw offlineMissing(what, missing);
                }
            }
            List<Path> paths = new ArrayList<>(parts.size());
            for (ModelSource part : parts) {
                paths.add(fetchOne(part));
            }
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the model store " + directory + ": " + e.getMessage(), e);
        }
    }

    private Path fetchOne(ModelSource source) throws IOException {
        Path target = pathOf(source);
        if (Files.isRegularFile(target)) {
            checkStored(source, target);
            return target;
        }
        Files.createDirectories(directory);
        try (FileChannel lockFile = FileChannel.open(directory.resolve(source.fileName() + LOCK_SUFFIX),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockFile.lock();
            try {
                // Another process may have finished the download while this one waited for the lock.
                if (Files.isRegularFile(target)) {
                    checkStored(source, target);
                    return target;
                }
                Path part = partialPathOf(source);
                if (partIsWhole(source)) {
                    // Every byte arrived, but the run ended before the checks: check them now, no request.
                    verify(source, part, source.size());
                    move(part, target);
                    markVerified(source, target);
                    return target;
                }
                if (offline) {
                    throw offlineMissing(source.fileName(), List.of(source));
                }
                download(source, target);
                return target;
            } finally {
                lock.release();
            }
        }
    }

    /** Whether the partial download of a pinned source has every byte. */
    private boolean partIsWhole(ModelSource source) throws IOException {
        Path part = partialPathOf(source);
        return source.size().isPresent() && Files.isRegularFile(part) && Files.size(part) == source.size().getAsLong();
    }

    private ModelStoreException offlineMissing(String what, List<ModelSource> missing) throws IOException {
        StringBuilder message = new StringBuilder("offline: ").append(what).append(" is not in the model store ")
                .append(directory).append(", and nothing is downloaded offline; ")
                .append(missing.size() == 1 ? "missing:" : missing.size() + " files missing:");
        for (ModelSource part : missing) {
            message.append("\n  ").append(part.fileName());
            part.size().ifPresent(size -> message.append(", ").append(bytes(size)));
            part.sha256().ifPresent(hash -> message.append(", SHA-256 ").append(hash));
            message.append(", from ").append(part.url());
            Path partial = partialPathOf(part);
            if (Files.isRegularFile(partial)) {
                message.append(" (a partial download of ").append(bytes(Files.size(partial)))
                        .append(" is there; a run that is not offline resumes it)");
            }
        }
        message.append("\nPut ").append(missing.size() == 1 ? "it" : "them").append(" in ").append(directory)
                .append(" under ").append(missing.size() == 1 ? "that name" : "those names")
                .append(", e.g. curl -L -o ").append(directory.resolve(missing.get(0).fileName())).append(' ')
                .append(missing.get(0).url()).append(", and check with sha256sum; or run once online.");
        return new ModelStoreException(message.toString(), null, false, true);
    }

    /** {@code 1,117,320,736 bytes}. */
    static String bytes(long count) {
        return String.format(Locale.ROOT, "%,d bytes", count);
    }

    private void download(ModelSource source, Path target) throws IOException {
        Path part = partialPathOf(source);
        if (source.size().isPresent() && Files.isRegularFile(part) && Files.size(part) > source.size().getAsLong()) {
            // Longer than the pinned file: not a beginning of it. Start over.
            Files.delete(part);
        }
        IOException lastFailure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Transfer transfer;
            try {
                transfer = transfer(source, part);
            } catch (IOException e) {
                if (lastFailure == null && isUnreachable(e)) {
                    throw new ModelStoreException("cannot reach " + source.url().getHost() + " to download "
                            + source.fileName() + ": " + describe(e), e, true);
                }
                lastFailure = e;
                continue;
            }
            if (transfer.complete()) {
                verify(source, part, transfer.total());
                move(part, target);
                markVerified(source, target);
                return;
            }
            lastFailure = transfer.failure();
        }
        throw new ModelStoreException("download of " + source.fileName() + " from " + source.url() + " failed "
                + attempts + " times; the last error: " + describe(lastFailure) + " (the partial file "
                + part.getFileName() + " is kept and the next run resumes it)", lastFailure, false);
    }

    /** The outcome of one request: complete, or broken off with the bytes so far kept in the part file. */
    private record Transfer(boolean complete, OptionalLong total, IOException failure) {
    }

    /**
     * One request for the rest of the file. Throws when no response arrived; returns a broken transfer
     * when the body stopped early.
     */
    private Transfer transfer(ModelSource source, Path part) throws IOException {
        URI url = source.url();
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpResponse<InputStream> response = send(url, have);
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            long start;
            OptionalLong total;
            if (status == 206 && have > 0) {
                ContentRange range = ContentRange.parse(response.headers().firstValue("Content-Range").orElse(""));
                if (range == null || range.start() != have) {
                    // A range we did not ask for: start over rather than splice the wrong bytes in.
                    Files.deleteIfExists(part);
                    throw new IOException("server answered with an unexpected range "
                            + response.headers().firstValue("Content-Range").orElse("(none)"));
                }
                start = have;
                total = range.total();
            } else if (status == 200) {
                start = 0;
                total = response.headers().firstValueAsLong("Content-Length").stream()
                        .filter(length -> length >= 0).findFirst();
            } else if (status == 416 && have > 0) {
                // The part file is as long as the file or longer: it cannot be resumed; start over.
                Files.deleteIfExists(part);
                throw new IOException("server cannot resume from byte " + have + " (416); starting over");
            } else {
                throw new ModelStoreException("server answered " + status + " for " + url
                        + "; check the model's address", null, false);
            }
            if (source.size().isPresent() && total.isPresent() && total.getAsLong() != source.size().getAsLong()) {
                // Checked before a byte of the body is kept: this is not the pinned file.
                Files.deleteIfExists(part);
                throw new ModelStoreException("server announced " + bytes(total.getAsLong()) + " for " + source.fileName()
                        + " at " + url + ", but it is pinned to " + bytes(source.size().getAsLong())
                        + "; nothing kept. Check the model's address", null, false);
            }
            OptionalLong expected = total.isPresent() ? total : source.size();
            ProgressBar bar = progress == null ? ProgressBar.off() : ProgressBar.on(progress,
                    "downloading " + source.fileName() + " ", ProgressBar.Unit.BYTES, expected.orElse(-1), start, ticker);
            try (OutputStream out = start == 0
                    ? Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)
                    : Files.newOutputStream(part, StandardOpenOption.APPEND)) {
                byte[] buffer = new byte[1 << 16];
                long written = start;
                try {
                    for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                        out.write(buffer, 0, n);
                        written += n;
                        if (expected.isPresent() && written > expected.getAsLong()) {
                            break;
                        }
                        bar.advanceTo(written);
                    }
                } catch (IOException e) {
                    bar.interrupted();
                    return new Transfer(false, total, e);
                }
                if (expected.isPresent() && written > expected.getAsLong()) {
                    bar.interrupted();
                    out.close();
                    Files.deleteIfExists(part);
                    throw new ModelStoreException("download of " + source.fileName() + " from " + url + " ran past its "
                            + (total.isPresent() ? "announced" : "pinned") + " size of " + bytes(expected.getAsLong())
                            + "; deleted", null, false);
                }
                bar.finish();
                if (expected.isPresent() && written < expected.getAsLong()) {
                    return new Transfer(false, total, new IOException("connection closed after " + written
                            + " of " + expected.getAsLong() + " bytes"));
                }
                return new Transfer(true, total, null);
            }
        }
    }

    /** GET {@code url} from byte {@code from} on, following redirects by hand so the range survives them. */
    private HttpResponse<InputStream> send(URI url, long from) throws IOException {
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current)
                    .GET()
                    .timeout(connectTimeout.multipliedBy(3))
                    .header("User-Agent", "grm4j-model-store");
            if (from > 0) {
                request.header("Range", "bytes=" + from + "-");
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (status / 100 != 3 || location.isEmpty()) {
                return response;
            }
            response.body().close();
            if (redirects == MAX_REDIRECTS) {
                throw new ModelStoreException("more than " + MAX_REDIRECTS + " redirects from " + url, null, false);
            }
            current = current.resolve(location.get());
        }
    }

    private static void verify(ModelSource source, Path part, OptionalLong total) throws IOException {
        long size = Files.size(part);
        if (total.isPresent() && size != total.getAsLong()) {
            Files.deleteIfExists(part);
            throw new ModelStoreException("download of " + source.fileName() + " has " + size + " bytes, the server "
                    + "announced " + total.getAsLong() + "; deleted", null, false);
        }
        if (source.size().isPresent() && size != source.size().getAsLong()) {
            Files.deleteIfExists(part);
            throw new ModelStoreException("download of " + source.fileName() + " has " + bytes(size) + ", but it is "
                    + "pinned to " + bytes(source.size().getAsLong()) + "; deleted", null, false);
        }
        String header = Gguf.check(part);
        if (header != null) {
            Files.deleteIfExists(part);
            throw new ModelStoreException("download of " + source.fileName() + " from " + source.url()
                    + " is not a GGUF model (" + header + "); deleted. Check the model's address", null, false);
        }
        if (source.sha256().isPresent()) {
            String actual = sha256(part);
            if (!actual.equals(source.sha256().get())) {
                Files.deleteIfExists(part);
                throw new ModelStoreException("download of " + source.fileName() + " has SHA-256 " + actual
                        + ", expected " + source.sha256().get() + "; deleted", null, false);
            }
        }
    }

    /**
     * A stored file is used only if it is what the source pins: the size at once, the SHA-256 on first use
     * (then remembered). A file that fails is reported and left alone: it may be the user's.
     */
    private void checkStored(ModelSource source, Path target) throws IOException {
        if (source.size().isPresent() && Files.size(target) != source.size().getAsLong()) {
            throw new ModelStoreException("stored model " + target + " has " + bytes(Files.size(target))
                    + ", but it is pinned to " + bytes(source.size().getAsLong()) + ": it is not the file of "
                    + source.url() + " (a copy cut short, or another file under its name). Delete it to download it "
                    + "again, or put the pinned file there", null, false);
        }
        String header = Gguf.check(target);
        if (header != null) {
            throw new ModelStoreException("stored model " + target + " is not a GGUF model (" + header
                    + "); delete it to download it again", null, false);
        }
        if (source.sha256().isPresent() && !isVerified(source, target)) {
            String actual = sha256(target);
            if (!actual.equals(source.sha256().get())) {
                throw new ModelStoreException("stored model " + target + " has SHA-256 " + actual + ", but it is "
                        + "pinned to " + source.sha256().get() + ": it is not the file of " + source.url()
                        + ". Delete it to download it again, or put the pinned file there", null, false);
            }
            markVerified(source, target);
        }
    }

    /** Whether {@code target}'s SHA-256 was found to be the pinned one, and the file has not changed since. */
    private boolean isVerified(ModelSource source, Path target) throws IOException {
        Path marker = directory.resolve(source.fileName() + VERIFIED_SUFFIX);
        if (source.sha256().isEmpty() || !Files.isRegularFile(marker)) {
            return false;
        }
        return Files.readString(marker, StandardCharsets.UTF_8).equals(verifiedMarker(source, target));
    }

    /** Remembers that {@code target} has the pinned SHA-256; a store that cannot be written checks it again next time. */
    private void markVerified(ModelSource source, Path target) {
        if (source.sha256().isEmpty()) {
            return;
        }
        Path marker = directory.resolve(source.fileName() + VERIFIED_SUFFIX);
        try {
            Path temporary = Files.createTempFile(directory, source.fileName(), VERIFIED_SUFFIX + ".tmp");
            Files.writeString(temporary, verifiedMarker(source, target), StandardCharsets.UTF_8);
            move(temporary, marker);
        } catch (IOException e) {
            // Read-only store: the file is verified again on its next use.
        }
    }

    private static String verifiedMarker(ModelSource source, Path target) throws IOException {
        return "sha256 " + source.sha256().orElseThrow() + "\nsize " + Files.size(target) + "\nmodified "
                + Files.getLastModifiedTime(target).toMillis() + "\n";
    }

    private static void move(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return ModelSource.hex(digest.digest());
    }

    /** No connection at all: the JDK client reports these as connect exceptions of several kinds. */
    private static boolean isUnreachable(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof HttpConnectTimeoutException
                    || t instanceof java.nio.channels.UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown";
        }
        String message = e.getMessage();
        for (Throwable t = e.getCause(); (message == null || message.isBlank()) && t != null; t = t.getCause()) {
            message = t.getMessage();
        }
        String kind = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? kind : kind + ": " + message;
    }

    /** {@code Content-Range: bytes START-END/TOTAL}, TOTAL possibly {@code *}. */
    private record ContentRange(long start, OptionalLong total) {

        static ContentRange parse(String header) {
            String value = header.strip();
            if (!value.startsWith("bytes ")) {
                return null;
            }
            int dash = value.indexOf('-');
            int slash = value.indexOf('/');
            if (dash < 0 || slash < dash) {
                return null;
            }
            try {
                long start = Long.parseLong(value.substring(6, dash).strip());
                String total = value.substring(slash + 1).strip();
                return new ContentRange(start, total.equals("*") ? OptionalLong.empty()
                        : OptionalLong.of(Long.parseLong(total)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** The GGUF header: magic "GGUF" and a little-endian uint32 version llama.cpp reads (1..3). */
    static final class Gguf {

        static final int MAX_VERSION = 3;

        private Gguf() {
        }

        /** Null when {@code file} starts like a GGUF model, else what is wrong with it. */
        static String check(Path file) throws IOException {
            byte[] head = new byte[8];
            int read;
            try (InputStream in = Files.newInputStream(file)) {
                read = in.readNBytes(head, 0, head.length);
            }
            if (read < head.length) {
                return "only " + read + " bytes";
            }
            if (head[0] != 'G' || head[1] != 'G' || head[2] != 'U' || head[3] != 'F') {
                return String.format("magic %02x %02x %02x %02x, expected GGUF", head[0], head[1], head[2], head[3]);
            }
            int version = ByteBuffer.wrap(head, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (version < 1 || version > MAX_VERSION) {
                return "GGUF version " + Integer.toUnsignedString(version) + ", expected 1.." + MAX_VERSION;
            }
            return null;
        }
    }

    /** Configures a {@link ModelStore}; each setter checks its argument. Not thread-safe. */
    public static final class Builder {

        private Path directory = defaultDirectory();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int attempts = 3;
        private PrintWriter progress;
        private Ticker ticker = Ticker.system();
        private boolean offline;

        private Builder() {
        }

        /**
         * Offline, the store never opens a connection: it uses what is stored, and a model that is not there
         * fails at once with a {@link ModelStoreException} whose {@link ModelStoreException#isOffline()} is
         * true, naming the files, their addresses and sizes, and the directory. Online by default.
         */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** Where models are stored; {@link #defaultDirectory()} by default. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** How long to wait for a connection before calling the server unreachable; 10 seconds by default. */
        public Builder connectTimeout(Duration connectTimeout) {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
            }
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Requests per fetch, each resuming where the last one broke off; 3 by default. */
        public Builder attempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be >= 1, was " + attempts);
            }
            this.attempts = attempts;
            return this;
        }

        /**
         * Draws a progress bar on {@code out} (meant for a terminal: it redraws its line with carriage
         * returns). No progress is shown by default.
         */
        public Builder progressBar(PrintWriter out) {
            this.progress = Objects.requireNonNull(out, "out");
            return this;
        }

        /** The ticker that times the progress bar's redraws and rate. */
        Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public ModelStore build() {
            return new ModelStore(this);
        }
    }
}
