package dev.grm4j.examples.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes JSON lines and flushes each one, so a reader (or a crash) sees every finished line. Not thread-safe. */
final class JsonlWriter implements Closeable {

    private final Writer writer;
    private final boolean owned;

    private JsonlWriter(Writer writer, boolean owned) {
        this.writer = writer;
        this.owned = owned;
    }

    /** Writes to the command's standard output, which is left open. */
    static JsonlWriter to(PrintWriter out) {
        return new JsonlWriter(out, false);
    }

    /** Creates or truncates {@code path}. */
    static JsonlWriter create(Path path) throws IOException {
        return new JsonlWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), true);
    }

    void writeLine(String json) throws IOException {
        writer.write(json);
        writer.write('\n');
        writer.flush();
        // PrintWriter swallows I/O errors; without this check a closed pipe would go unnoticed until the end.
        if (writer instanceof PrintWriter print && print.checkError()) {
            throw new IOException("cannot write to standard output");
        }
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            writer.close();
        }
    }
}
