package dev.grm4j.examples.llama;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a llama-architecture model in GGUF (version 3) with seeded random weights, so that tests and
 * benchmarks drive the real llama.cpp engine without downloading anything.
 *
 * <p>The vocabulary is a SentencePiece ("llama") one of {@code <unk>}, {@code <s>}, {@code </s>} and
 * the 256 byte tokens {@code <0x00>}..{@code <0xFF>}, so every text tokenizes (one token per byte) and
 * every output decodes. The chat template is ChatML, the format of Qwen2.5 and many other instruct
 * models. All tensors are F32. What the model writes is noise, which is the point: under the backend's
 * grammar even noise must come out in the GRM layout.
 *
 * <p>{@link Shape#TINY} (2 layers, embedding 64: about 300 KB, loads in milliseconds) is the tests'
 * model. {@link Shape#BENCH} (about 100M parameters, 400 MB) is big enough that decoding is bound by
 * memory bandwidth, as a real model's is; it also never ends early: its end-of-text logit is held far
 * below the others, so every call decodes exactly its budget and the timings compare like with like.
 */
public final class RandomGguf {

    /** A model's size, and whether it may end a text by itself. */
    public record Shape(String name, int layers, int embedding, int heads, int feedForward, double weightStd,
                        boolean neverEnds) {

        /** The tests' model: 2 layers, embedding 64, 4 heads, feed-forward 128; about 300 KB. */
        public static final Shape TINY = new Shape("grm4j-tiny-random", 2, 64, 4, 128, 0.1, false);

        /** {@code grm bench --llama}'s model: 8 layers, embedding 1024, 16 heads, feed-forward 2816; 100M parameters. */
        public static final Shape BENCH = new Shape("grm4j-bench-random-100m", 8, 1024, 16, 2816, 0.02, true);

        /** Weights in all tensors. */
        public long parameters() {
            long perLayer = 2L * embedding + 4L * embedding * embedding + 3L * embedding * feedForward;
            return layers * perLayer + 2L * embedding * VOCAB + embedding;
        }

        /** The file's size in bytes, header and alignment included: what {@link #write} writes. */
        public long fileBytes() {
            List<Tensor> tensors = tensors(this);
            long size = header(this, tensors).length;
            for (Tensor tensor : tensors) {
                size = align(size + 4L * tensor.size());
            }
            return size;
        }
    }

    static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final int CONTEXT = 16384;
    static final int VOCAB = 3 + 256;

    /**
     * For a model that never ends: the residual stream's dimension 0 carries this constant from every
     * token's embedding, so after the final norm it is large and positive whatever the layers add...
     */
    private static final float CARRIER = 20f;
    /** ...and the output weight of the non-text tokens on it is this, which puts their logits out of reach. */
    private static final float SILENCE = -10f;

    private static final int ALIGNMENT = 32;

    // GGUF metadata value types and ggml tensor types.
    private static final int UINT16 = 2;
    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;
    private static final int GGML_F32 = 0;

    private RandomGguf() {
    }

    /** Writes the tiny model with weights drawn from {@code seed} to {@code file} and returns it. */
    public static Path write(Path file, long seed) throws IOException {
        return write(file, Shape.TINY, seed);
    }

    /**
     * Writes a model of {@code shape} with weights drawn from {@code seed} to {@code file}, streaming
     * the weights (the 400 MB of {@link Shape#BENCH} never sit in memory), and returns it. The same
     * shape and seed give the same bytes.
     */
    public static Path write(Path file, Shape shape, long seed) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            writeTo(out, shape, seed);
        }
        return file;
    }

    /** The tiny model file's bytes; the same seed gives the same bytes. */
    static byte[] bytes(long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out, Shape.TINY, seed);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static List<Tensor> tensors(Shape shape) {
        int embedding = shape.embedding();
        int feedForward = shape.feedForward();
        double std = shape.weightStd();
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor("token_embd.weight", new long[] {embedding, VOCAB},
                shape.neverEnds() ? Fill.CARRIED : Fill.GAUSSIAN, 1.0));
        tensors.add(new Tensor("output_norm.weight", new long[] {embedding}, Fill.ONES, 0));
        tensors.add(new Tensor("output.weight", new long[] {embedding, VOCAB},
                shape.neverEnds() ? Fill.SILENCED : Fill.GAUSSIAN, shape.neverEnds() ? 0.075 : 0.3));
        for (int layer = 0; layer < shape.layers(); layer++) {
            String block = "blk." + layer + ".";
            tensors.add(new Tensor(block + "attn_norm.weight", new long[] {embedding}, Fill.ONES, 0));
            for (String name : List.of("attn_q", "attn_k", "attn_v", "attn_output")) {
                tensors.add(new Tensor(block + name + ".weight", new long[] {embedding, embedding}, Fill.GAUSSIAN, std));
            }
            tensors.add(new Tensor(block + "ffn_norm.weight", new long[] {embedding}, Fill.ONES, 0));
            tensors.add(new Tensor(block + "ffn_gate.weight", new long[] {embedding, feedForward}, Fill.GAUSSIAN, std));
            tensors.add(new Tensor(block + "ffn_up.weight", new long[] {embedding, feedForward}, Fill.GAUSSIAN, std));
            tensors.add(new Tensor(block + "ffn_down.weight", new long[] {feedForward, embedding}, Fill.GAUSSIAN, std));
        }
        return tensors;
    }

    /** One file of a split model: its number from 0, the number of files, the tensors in all of them. */
    private record Split(int number, int count, int tensors) {
    }

    private static byte[] header(Shape shape, List<Tensor> tensors) {
        return header(shape, tensors, null);
    }

    /**
     * The header of a file holding {@code tensors}: the metadata (all of it, or for the second and later
     * files of a split only the split's keys), the tensor infos, padded to the alignment.
     */
    private static byte[] header(Shape shape, List<Tensor> tensors, Split split) {
        int embedding = shape.embedding();
        int feedForward = shape.feedForward();
        int kvCount = 0;
        Out kv = new Out();
        if (split != null) {
            kvCount += kv.splitKeys(split.number(), split.count(), split.tensors());
            if (split.number() > 0) {
                return encodeHeader(kvCount, kv, tensors);
            }
        }
        kvCount += kv.kvString("general.architecture", "llama");
        kvCount += kv.kvString("general.name", shape.name());
        kvCount += kv.kvU32("general.alignment", ALIGNMENT);
        kvCount += kv.kvU32("llama.context_length", CONTEXT);
        kvCount += kv.kvU32("llama.embedding_length", embedding);
        kvCount += kv.kvU32("llama.block_count", shape.layers());
        kvCount += kv.kvU32("llama.feed_forward_length", feedForward);
        kvCount += kv.kvU32("llama.attention.head_count", shape.heads());
        kvCount += kv.kvU32("llama.attention.head_count_kv", shape.heads());
        kvCount += kv.kvU32("llama.rope.dimension_count", embedding / shape.heads());
        kvCount += kv.kvF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        kvCount += kv.kvU32("llama.vocab_size", VOCAB);
        kvCount += kv.kvString("tokenizer.ggml.model", "llama");
        List<String> tokens = new ArrayList<>(VOCAB);
        tokens.add("<unk>");
        tokens.add("<s>");
        tokens.add("</s>");
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        kvCount += kv.kvStrings("tokenizer.ggml.tokens", tokens);
        float[] scores = new float[VOCAB];
        int[] types = new int[VOCAB];
        types[0] = 2; // unknown
        types[1] = 3; // control
        types[2] = 3;
        for (int i = 3; i < VOCAB; i++) {
            types[i] = 6; // byte
        }
        kvCount += kv.kvF32s("tokenizer.ggml.scores", scores);
        kvCount += kv.kvI32s("tokenizer.ggml.token_type", types);
        kvCount += kv.kvU32("tokenizer.ggml.unknown_token_id", 0);
        kvCount += kv.kvU32("tokenizer.ggml.bos_token_id", 1);
        kvCount += kv.kvU32("tokenizer.ggml.eos_token_id", 2);
        kvCount += kv.kvBool("tokenizer.ggml.add_bos_token", true);
        kvCount += kv.kvBool("tokenizer.ggml.add_eos_token", false);
        kvCount += kv.kvString("tokenizer.chat_template", CHATML_TEMPLATE);
        return encodeHeader(kvCount, kv, tensors);
    }

    private static byte[] encodeHeader(int kvCount, Out kv, List<Tensor> tensors) {
        Out out = new Out();
        out.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(3);
        out.u64(tensors.size());
        out.u64(kvCount);
        out.raw(kv.toByteArray());

        long offset = 0;
        for (Tensor tensor : tensors) {
            out.string(tensor.name);
            out.u32(tensor.dims.length);
            for (long dim : tensor.dims) {
                out.u64(dim);
            }
            out.u32(GGML_F32);
            out.u64(offset);
            offset = align(offset + 4L * tensor.size());
        }
        out.pad();
        return out.toByteArray();
    }

    private static void writeTo(OutputStream sink, Shape shape, long seed) throws IOException {
        List<Tensor> tensors = tensors(shape);
        sink.write(header(shape, tensors));
        writeData(sink, tensors, new SplittableRandom(seed));
    }

    /**
     * Writes the tiny model of {@code seed} as a llama.cpp split of two files in {@code directory},
     * {@code PREFIX-00001-of-00002.gguf} (all metadata, the first half of the tensors) and
     * {@code PREFIX-00002-of-00002.gguf} (the rest), as {@code llama-gguf-split} does; returns both, in
     * order. Loaded from its first file, it is the model {@link #write(Path, long)} writes.
     */
    public static List<Path> writeSplit(Path directory, String prefix, long seed) throws IOException {
        List<Tensor> tensors = tensors(Shape.TINY);
        int half = tensors.size() / 2;
        SplittableRandom random = new SplittableRandom(seed);
        List<Path> files = new ArrayList<>();
        List<List<Tensor>> parts = List.of(tensors.subList(0, half), tensors.subList(half, tensors.size()));
        for (int part = 0; part < parts.size(); part++) {
            Path file = directory.resolve(String.format(java.util.Locale.ROOT, "%s-%05d-of-%05d.gguf", prefix, part + 1,
                    parts.size()));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                out.write(header(Shape.TINY, parts.get(part), new Split(part, parts.size(), tensors.size())));
                writeData(out, parts.get(part), random);
            }
            files.add(file);
        }
        return files;
    }

    /** The tensors' values, in order, each padded to the alignment. */
    private static void writeData(OutputStream sink, List<Tensor> tensors, SplittableRandom random) throws IOException {
        long written = 0;
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor tensor : tensors) {
            long columns = tensor.dims[0];
            for (long i = 0; i < tensor.size(); i++) {
                buffer.putFloat(tensor.value(i % columns, i / columns, random));
                if (!buffer.hasRemaining()) {
                    sink.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
            }
            written += 4L * tensor.size();
            sink.write(buffer.array(), 0, buffer.position());
            buffer.clear();
            for (long padded = align(written); written < padded; written++) {
                sink.write(0);
            }
        }
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** How a tensor's values are drawn. */
    private enum Fill {
        ONES, GAUSSIAN,
        /** Gaussian, but dimension 0 of every token holds {@link #CARRIER}. */
        CARRIED,
        /** Gaussian, but the non-text tokens (unknown, begin, end) weigh dimension 0 by {@link #SILENCE}. */
        SILENCED
    }

    /** A tensor with ggml's dimension order: the first dimension varies fastest. */
    private record Tensor(String name, long[] dims, Fill fill, double std) {

        long size() {
            long size = 1;
            for (long dim : dims) {
                size *= dim;
            }
            return size;
        }

        /** The value at {@code column} of {@code row}, drawing from {@code random} as the fill needs. */
        float value(long column, long row, SplittableRandom random) {
            return switch (fill) {
                case ONES -> 1f;
                case GAUSSIAN -> (float) (gaussian(random) * std);
                case CARRIED -> column == 0 ? CARRIER : (float) (gaussian(random) * std);
                case SILENCED -> column == 0 ? (row < 3 ? SILENCE : 0f) : (float) (gaussian(random) * std);
            };
        }

        private static double gaussian(SplittableRandom random) {
            // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
            double u = 1.0 - random.nextDouble();
            double v = random.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }
    }

    /** A little-endian byte sink with GGUF's value encodings. */
    private static final class Out extends ByteArrayOutputStream {

        void raw(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }

        void u32(int value) {
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
        }

        void u64(long value) {
            raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }

        void f32(float value) {
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
        }

        void string(String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            raw(bytes);
        }

        void pad() {
            while (size() % ALIGNMENT != 0) {
                write(0);
            }
        }

        int kvString(String key, String value) {
            string(key);
            u32(STRING);
            string(value);
            return 1;
        }

        /** What llama.cpp reads to find and check the parts of a split: {@code split.no}, {@code .count}, {@code .tensors.count}. */
        int splitKeys(int number, int count, int tensors) {
            string("split.no");
            u32(UINT16);
            u16(number);
            string("split.count");
            u32(UINT16);
            u16(count);
            string("split.tensors.count");
            u32(INT32);
            u32(tensors);
            return 3;
        }

        void u16(int value) {
            raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) value).array());
        }

        int kvU32(String key, int value) {
            string(key);
            u32(UINT32);
            u32(value);
            return 1;
        }

        int kvF32(String key, float value) {
            string(key);
            u32(FLOAT32);
            f32(value);
            return 1;
        }

        int kvBool(String key, boolean value) {
            string(key);
            u32(BOOL);
            write(value ? 1 : 0);
            return 1;
        }

        int kvStrings(String key, List<String> values) {
            string(key);
            u32(ARRAY);
            u32(STRING);
            u64(values.size());
            values.forEach(this::string);
            return 1;
        }

        int kvF32s(String key, float[] values) {
            string(key);
            u32(ARRAY);
            u32(FLOAT32);
            u64(values.length);
            for (float value : values) {
                f32(value);
            }
            return 1;
        }

        int kvI32s(String key, int[] values) {
            string(key);
            u32(ARRAY);
            u32(INT32);
            u64(values.length);
            for (int value : values) {
                u32(value);
            }
            return 1;
        }
    }
}
