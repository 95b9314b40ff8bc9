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
 * size the server announced, the GGUF header (magic {@code GGUF} and a known version) and, where the
 * source names one, the SHA-256. A file that fails a check is deleted. Redirects (Hugging Face answers
 * with one to its CDN) are followed by hand, so the range survives them. Processes that fetch the same
 * model at once take turns through a lock file, {@code NAME.lock}.
 *
 * <p>When no connection can be made (offline, unknown host, refused, or no answer within the connect
 * timeout, 10 seconds by default), the fetch fails at once with an exception whose
 * {@link ModelStoreException#isUnreachable()} is true: nothing is retried.
 *
 * <p>Thread-safe: one fetch at a time per store (later callers wait and then find the file).
 */
public final class ModelStore {

    static final int MAX_REDIRECTS = 5;

    private final Path directory;
    private final HttpClient http;
    private final Duration connectTimeout;
    private final int attempts;
    private final PrintWriter progress;
    private final Ticker ticker;

    private ModelStore(Builder builder) {
        this.directory = builder.directory;
        this.connectTimeout = builder.connectTimeout;
        this.attempts = builder.attempts;
        this.progress = builder.progress;
        this.ticker = builder.ticker;
        this.http = HttpClient.newBuilder()
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

    /** Where {@code source} is (or will be) stored. */
    public Path pathOf(ModelSource source) {
        return directory.resolve(source.fileName());
    }

    /**
     * The stored model, downloaded first if it is not there yet.
     *
     * @throws ModelStoreException if the server cannot be reached, answers with an error, the transfer
     *                             fails {@link Builder#attempts(int)} times, or the file fails a check;
     *                             also if a stored file is not a GGUF model
     * @throws UncheckedIOException if the directory cannot be written
     */
    public synchronized Path fetch(ModelSource source) {
        Objects.requireNonNull(source, "source");
        Path target = pathOf(source);
        try {
            Files.createDirectories(directory);
            if (Files.isRegularFile(target)) {
                checkStored(target);
                return target;
            }
            try (FileChannel lockFile = FileChannel.open(directory.resolve(source.fileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lockFile.lock();
                try {
                    // Another process may have finished the download while this one waited for the lock.
                    if (Files.isRegularFile(target)) {
                        checkStored(target);
                        return target;
                    }
                    download(source, target);
                    return target;
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the model store " + directory + ": " + e.getMessage(), e);
        }
    }

    private void download(ModelSource source, Path target) throws IOException {
        Path part = directory.resolve(source.fileName() + ".part");
        IOException lastFailure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Transfer transfer;
            try {
                transfer = transfer(source.url(), part);
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
    private Transfer transfer(URI url, Path part) throws IOException {
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
            ProgressBar bar = progress == null ? ProgressBar.off() : ProgressBar.on(progress,
                    "downloading " + part.getFileName().toString().replaceFirst("\\.part$", "") + " ",
                    ProgressBar.Unit.BYTES, total.orElse(-1), start, ticker);
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
                        bar.advanceTo(written);
                    }
                } catch (IOException e) {
                    bar.interrupted();
                    return new Transfer(false, total, e);
                }
                bar.finish();
                if (total.isPresent() && written < total.getAsLong()) {
                    return new Transfer(false, total, new IOException("connection closed after " + written
                            + " of " + total.getAsLong() + " bytes"));
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

    private static void checkStored(Path target) throws IOException {
        String header = Gguf.check(target);
        if (header != null) {
            throw new ModelStoreException("stored model " + target + " is not a GGUF model (" + header
                    + "); delete it to download it again", null, false);
        }
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

        private Builder() {
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
