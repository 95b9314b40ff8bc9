package dev.grm4j.examples.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.grm4j.core.Message;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.internal.Seeds;
import dev.grm4j.core.testing.SimulatedJudgeServer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run costs as a vLLM-style server accounts it, from the requests it answered.
 *
 * <ul>
 *   <li><b>Billed prompt tokens:</b> each HTTP request's prompt, once, however many completions it asks
 *       for ({@code n}): what OpenAI bills and what a server's usage reports.</li>
 *   <li><b>Prefill computed:</b> the prompt tokens not found in the prefix cache. The cache is vLLM's
 *       automatic prefix caching: the prompt in blocks of {@value #BLOCK_TOKENS} tokens, each block known
 *       by a hash of itself and every block before it, only full blocks cached, least recently used
 *       evicted first, and at least the last token always computed. The n completions of one request
 *       share its prefill.</li>
 *   <li><b>Decode:</b> the tokens of every completion.</li>
 * </ul>
 *
 * <p>Prompts are rendered in ChatML and counted with a real tokenizer (cl100k_base, via jtokkit), so
 * block boundaries fall where a server's would. The cache sees requests in the order they are answered,
 * each at once; two requests of the same prefix that a real server would batch together may both miss
 * there, so the prefill figure is a lower bound for any order of arrival. Thread-safe.
 */
final class ServingCost implements SimulatedJudgeServer.Meter {

    static final int BLOCK_TOKENS = 16;
    /** About a million tokens of KV cache, what one GPU holds for a mid-sized model. */
    static final int DEFAULT_CAPACITY_BLOCKS = 1 << 16;

    private static final Encoding TOKENIZER =
            Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    /** The figures of one run. */
    record Figures(long requests, long samples, long promptTokensBilled, long prefillTokensComputed,
                   long decodeTokens) {

        /** This run's figure over {@code other}'s, key by key. */
        Map<String, Double> ratio(Figures other) {
            Map<String, Double> ratio = new LinkedHashMap<>();
            ratio.put("requests", ratio(requests, other.requests));
            ratio.put("prompt_tokens_billed", ratio(promptTokensBilled, other.promptTokensBilled));
            ratio.put("prefill_tokens_computed", ratio(prefillTokensComputed, other.prefillTokensComputed));
            ratio.put("decode_tokens", ratio(decodeTokens, other.decodeTokens));
            return ratio;
        }

        private static double ratio(long mine, long theirs) {
            return theirs == 0 ? Double.NaN : mine / (double) theirs;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d requests, %,d samples, %,d prompt tokens billed, "
                    + "%,d prefilled, %,d decoded", requests, samples, promptTokensBilled, prefillTokensComputed,
                    decodeTokens);
        }
    }

    private final Map<Long, Boolean> cache;
    private long requests;
    private long samples;
    private long billed;
    private long prefill;
    private long decode;

    ServingCost() {
        this(DEFAULT_CAPACITY_BLOCKS);
    }

    ServingCost(int capacityBlocks) {
        if (capacityBlocks < 1) {
            throw new IllegalArgumentException("capacityBlocks must be >= 1, was " + capacityBlocks);
        }
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > capacityBlocks;
            }
        };
    }

    @Override
    public void answered(CompletionRequest request, List<Completion> completions) {
        IntArrayList prompt = TOKENIZER.encodeOrdinary(chatMl(request.messages()));
        long decoded = 0;
        for (Completion completion : completions) {
            decoded += TOKENIZER.countTokensOrdinary(completion.text());
        }
        synchronized (this) {
            requests++;
            samples += completions.size();
            billed += prompt.size();
            prefill += prompt.size() - cachedPrefix(prompt);
            decode += decoded;
        }
    }

    synchronized Figures figures() {
        return new Figures(requests, samples, billed, prefill, decode);
    }

    /** Tokens of the prompt found in the cache, which then holds all of its full blocks. */
    private int cachedPrefix(IntArrayList prompt) {
        int hits = 0;
        boolean hitting = true;
        long hash = 0x243F6A8885A308D3L;
        for (int start = 0; start + BLOCK_TOKENS <= prompt.size(); start += BLOCK_TOKENS) {
            hash = blockHash(hash, prompt, start);
            if (hitting && cache.get(hash) != null) {
                hits++;
            } else {
                hitting = false;
                cache.put(hash, Boolean.TRUE);
            }
        }
        // A prompt found whole still computes its last token, to sample from.
        return Math.min(hits * BLOCK_TOKENS, prompt.size() - 1);
    }

    /** A block's key: its tokens and its parent's key, so that equal keys mean equal prefixes. */
    private static long blockHash(long parent, IntArrayList tokens, int start) {
        long hash = parent;
        for (int i = start; i < start + BLOCK_TOKENS; i++) {
            hash = Seeds.mix(hash, tokens.get(i));
        }
        return hash;
    }

    /** The prompt as a ChatML model sees it, ending where the assistant's answer starts. */
    static String chatMl(List<Message> messages) {
        StringBuilder text = new StringBuilder();
        for (Message message : messages) {
            text.append("<|im_start|>").append(message.role().name().toLowerCase(Locale.ROOT)).append('\n')
                    .append(message.content()).append("<|im_end|>\n");
        }
        return text.append("<|im_start|>assistant\n").toString();
    }
}
