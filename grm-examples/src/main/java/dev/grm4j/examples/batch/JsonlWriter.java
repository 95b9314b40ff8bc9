package dev.grm4j.examples.batch;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes JSON lines so that a reader, or a crash, sees only whole lines.
 *
 * <p><b>Files.</b> Each line goes out as one {@code write(2)} of its UTF-8 bytes and the newline
 * together, straight from a {@link FileChannel} with no buffer in between. Once a line's write has
 * returned, the kernel holds it: a SIGKILL, an OOM kill or a JVM crash loses only lines not yet written
 * (those still in flight) and can at worst leave the last line cut short, never a hole in the middle.
 * {@code grm score --resume} relies on exactly that. {@link FileChannel#force(boolean)} is not called
 * per line: it protects against a power cut or a kernel crash, not against a killed process, and an
 * fsync per line would cost milliseconds each; {@link #close()} forces once, so a run that finished is
 * on disk when the command exits.
 *
 * <p><b>One writer per file.</b> A regular file is locked ({@link FileChannel#tryLock()}, an advisory
 * lock the kernel drops when the process dies) for as long as the writer is open, so two runs resuming
 * the same file cannot interleave their lines; a second writer fails at once. On a file system without
 * locks the writer goes on unlocked. One channel reads, locks and writes: closing any other descriptor of
 * the file would release the lock (POSIX lock semantics), and a channel cannot be opened for both
 * reading and appending. Holding the lock, this writer is the only one, so writing at the channel's
 * position after {@link #resume} is appending.
 *
 * <p>Not thread-safe.
 */
public final class JsonlWriter implements Closeable {

    /** Decides, from a file's current content, how many of its bytes to keep. */
    @FunctionalInterface
    interface Keep {
        /**
         * @param existing the file's bytes from the start; do not close it
         * @return how many leading bytes to keep, at most the file's size
         */
        long bytes(InputStream existing) throws IOException;
    }

    private final PrintWriter stdout;
    private final FileChannel channel;
    private final boolean regularFile;

    private JsonlWriter(PrintWriter stdout, FileChannel channel, boolean regularFile) {
        this.stdout = stdout;
        this.channel = channel;
        this.regularFile = regularFile;
    }

    /** Writes to the command's standard output, which is left open. */
    public static JsonlWriter to(PrintWriter out) {
        return new JsonlWriter(out, null, false);
    }

    /**
     * Creates {@code path}, or empties it once it is locked.
     *
     * @throws IOException if it cannot be opened, or another writer holds its lock
     */
    public static JsonlWriter create(Path path) throws IOException {
        return open(path, existing -> 0);
    }

    /**
     * Opens {@code path} (created if absent) to continue it: locks it, lets {@code keep} read what is
     * there, cuts the file to the bytes {@code keep} chose and writes after them. Nothing is cut when
     * {@code keep} throws.
     *
     * @throws IOException what {@code keep} throws, or if the file cannot be opened, or another writer
     *                     holds its lock
     */
    public static JsonlWriter resume(Path path, Keep keep) throws IOException {
        return open(path, keep);
    }

    private static JsonlWriter open(Path path, Keep keep) throws IOException {
        boolean regular = !Files.exists(path) || Files.isRegularFile(path);
        FileChannel channel = regular
                ? FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                // A device or a pipe (/dev/stdout, a FIFO): nothing to lock, keep or cut.
                : FileChannel.open(path, StandardOpenOption.WRITE);
        try {
            if (!regular) {
                return new JsonlWriter(null, channel, false);
            }
            // Released by the kernel when the channel closes or the process dies.
            lock(channel);
            // Not closed: closing the stream would close the channel, and with it the lock.
            long kept = keep.bytes(Channels.newInputStream(channel.position(0)));
            long size = channel.size();
            if (kept < 0 || kept > size) {
                throw new IllegalStateException("cannot keep " + kept + " bytes of a " + size + "-byte file");
            }
            channel.truncate(kept);
            channel.position(kept);
            return new JsonlWriter(null, channel, true);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void lock(FileChannel channel) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // another writer in this JVM holds it
        } catch (IOException e) {
            // ENOLCK and friends: a file system without locks. Writing unlocked beats not writing at all.
            return;
        }
        if (lock == null) {
            throw new IOException("another run is writing it (it holds a lock on the file)");
        }
    }

    /** Writes {@code json} and a newline as one write; returns once the kernel has them. */
    public void writeLine(String json) throws IOException {
        if (channel == null) {
            stdout.write(json);
            stdout.write('\n');
            stdout.flush();
            // PrintWriter swallows I/O errors; without this check a closed pipe would go unnoticed until the end.
            if (stdout.checkError()) {
                throw new IOException("cannot write to standard output");
            }
            return;
        }
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer line = ByteBuffer.allocate(text.length + 1).put(text).put((byte) '\n').flip();
        // One call for a regular file; the loop only matters for a short write (a full disk, a pipe).
        while (line.hasRemaining()) {
            channel.write(line);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel == null) {
            return;
        }
        try (channel) {
            if (regularFile) {
                channel.force(false);
            }
        }
    }
}
