package dev.grm4j.examples.llama;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Loads java-llama.cpp's native library once, quietly.
 *
 * <p>Its loader prints "Extracted 'libjllama.so' to ..." on standard output, which would corrupt the
 * JSON lines a command writes there; standard output is muted while the library loads. Backends are
 * opened before any output is written, so nothing else is lost.
 */
final class Natives {

    private static boolean loaded;

    private Natives() {
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            Class.forName("de.kherud.llama.LlamaModel", true, Natives.class.getClassLoader());
            loaded = true;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("de.kherud:llama is not on the class path", e);
        } finally {
            System.setOut(out);
        }
    }
}
