package dev.grm4j.examples.llama;

import java.io.ByteArrayOutputStream;
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
 * Writes a tiny llama-architecture model in GGUF (version 3) with seeded random weights, so that
 * tests drive the real llama.cpp engine without downloading anything.
 *
 * <p>The model: 2 layers, embedding 64, 4 heads, feed-forward 128, all tensors F32. The vocabulary is
 * a SentencePiece ("llama") one of {@code <unk>}, {@code <s>}, {@code </s>} and the 256 byte tokens
 * {@code <0x00>}..{@code <0xFF>}, so every text tokenizes (one token per byte) and every output
 * decodes. The chat template is ChatML, the format of Qwen2.5 and many other instruct models. The file
 * is about 300 KB and loads in milliseconds. What it writes is noise, which is the point: under the
 * backend's grammar even noise must come out in the GRM layout.
 */
final class TinyGguf {

    static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final int EMBEDDING = 64;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int FEED_FORWARD = 128;
    static final int CONTEXT = 16384;
    static final int VOCAB = 3 + 256;

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

    private TinyGguf() {
    }

    /** Writes the model with weights drawn from {@code seed} to {@code file} and returns it. */
    static Path write(Path file, long seed) throws IOException {
        Files.write(file, bytes(seed));
        return file;
    }

    /** The model file's bytes; the same seed gives the same bytes. */
    static byte[] bytes(long seed) {
        Out kv = new Out();
        int kvCount = metadata(kv);
        return encode(kvCount, kv.toByteArray(), tensors(seed));
    }

    /**
     * Writes the model of {@code seed} as a llama.cpp split of two files in {@code directory},
     * {@code PREFIX-00001-of-00002.gguf} (all metadata, the first half of the tensors) and
     * {@code PREFIX-00002-of-00002.gguf} (the rest), as {@code llama-gguf-split} does; returns both, in order.
     */
    static List<Path> writeSplit(Path directory, String prefix, long seed) throws IOException {
        List<Tensor> tensors = tensors(seed);
        int half = tensors.size() / 2;
        Out first = new Out();
        int firstCount = metadata(first) + first.splitKeys(0, 2, tensors.size());
        Out second = new Out();
        int secondCount = second.splitKeys(1, 2, tensors.size());
        Path one = Files.write(directory.resolve(prefix + "-00001-of-00002.gguf"),
                encode(firstCount, first.toByteArray(), tensors.subList(0, half)));
        Path two = Files.write(directory.resolve(prefix + "-00002-of-00002.gguf"),
                encode(secondCount, second.toByteArray(), tensors.subList(half, tensors.size())));
        return List.of(one, two);
    }

    private static List<Tensor> tensors(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(Tensor.random("token_embd.weight", random, 1.0, EMBEDDING, VOCAB));
        tensors.add(Tensor.ones("output_norm.weight", EMBEDDING));
        tensors.add(Tensor.random("output.weight", random, 0.3, EMBEDDING, VOCAB));
        for (int layer = 0; layer < LAYERS; layer++) {
            String block = "blk." + layer + ".";
            tensors.add(Tensor.ones(block + "attn_norm.weight", EMBEDDING));
            tensors.add(Tensor.random(block + "attn_q.weight", random, 0.1, EMBEDDING, EMBEDDING));
            tensors.add(Tensor.random(block + "attn_k.weight", random, 0.1, EMBEDDING, EMBEDDING));
            tensors.add(Tensor.random(block + "attn_v.weight", random, 0.1, EMBEDDING, EMBEDDING));
            tensors.add(Tensor.random(block + "attn_output.weight", random, 0.1, EMBEDDING, EMBEDDING));
            tensors.add(Tensor.ones(block + "ffn_norm.weight", EMBEDDING));
            tensors.add(Tensor.random(block + "ffn_gate.weight", random, 0.1, EMBEDDING, FEED_FORWARD));
            tensors.add(Tensor.random(block + "ffn_up.weight", random, 0.1, EMBEDDING, FEED_FORWARD));
            tensors.add(Tensor.random(block + "ffn_down.weight", random, 0.1, FEED_FORWARD, EMBEDDING));
        }
        return tensors;
    }

    /** Writes the model's metadata (architecture, sizes, vocabulary, chat template) to {@code kv}; returns the count. */
    private static int metadata(Out kv) {
        int kvCount = 0;
        kvCount += kv.kvString("general.architecture", "llama");
        kvCount += kv.kvString("general.name", "grm4j-tiny-random");
        kvCount += kv.kvU32("general.alignment", ALIGNMENT);
        kvCount += kv.kvU32("llama.context_length", CONTEXT);
        kvCount += kv.kvU32("llama.embedding_length", EMBEDDING);
        kvCount += kv.kvU32("llama.block_count", LAYERS);
        kvCount += kv.kvU32("llama.feed_forward_length", FEED_FORWARD);
        kvCount += kv.kvU32("llama.attention.head_count", HEADS);
        kvCount += kv.kvU32("llama.attention.head_count_kv", HEADS);
        kvCount += kv.kvU32("llama.rope.dimension_count", EMBEDDING / HEADS);
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
        return kvCount;
    }

    /** A GGUF file: header, {@code kvCount} metadata pairs, the tensor infos, then the aligned tensor data. */
    private static byte[] encode(int kvCount, byte[] kv, List<Tensor> tensors) {
        Out out = new Out();
        out.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(3);
        out.u64(tensors.size());
        out.u64(kvCount);
        out.raw(kv);

        long offset = 0;
        for (Tensor tensor : tensors) {
            out.string(tensor.name);
            out.u32(tensor.dims.length);
            for (long dim : tensor.dims) {
                out.u64(dim);
            }
            out.u32(GGML_F32);
            out.u64(offset);
            offset = align(offset + 4L * tensor.data.length);
        }
        out.pad();
        for (Tensor tensor : tensors) {
            ByteBuffer buffer = ByteBuffer.allocate(4 * tensor.data.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float value : tensor.data) {
                buffer.putFloat(value);
            }
            out.raw(buffer.array());
            out.pad();
        }
        return out.toByteArray();
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** A tensor with ggml's dimension order: the first dimension varies fastest. */
    private record Tensor(String name, long[] dims, float[] data) {

        static Tensor random(String name, SplittableRandom random, double std, int columns, int rows) {
            float[] data = new float[columns * rows];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (gaussian(random) * std);
            }
            return new Tensor(name, new long[] {columns, rows}, data);
        }

        static Tensor ones(String name, int size) {
            float[] data = new float[size];
            java.util.Arrays.fill(data, 1f);
            return new Tensor(name, new long[] {size}, data);
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
