package dev.grm4j.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The markers that fence each candidate response in a prompt.
 *
 * <p>Every marker carries a per-request nonce, and the nonce is chosen so that it occurs in none of
 * the request's texts. A candidate therefore cannot write a marker that closes its own fence or opens
 * another one: it would have to contain the nonce. The nonce is derived from the request's content
 * (not drawn at random) so that a rendered prompt is reproducible and the k samples of one request
 * share it, which keeps their common prefix cacheable.
 *
 * <pre>
 * &lt;&lt;&lt;BEGIN RESPONSE 1 #3f9a0c1d2b7e&gt;&gt;&gt;
 * ...the response, verbatim...
 * &lt;&lt;&lt;END RESPONSE 1 #3f9a0c1d2b7e&gt;&gt;&gt;
 * </pre>
 */
public final class Fences {

    /** Hex digits in a nonce: 48 bits. */
    public static final int NONCE_LENGTH = 12;

    private static final Pattern FENCED = Pattern.compile(
            "<<<BEGIN RESPONSE (\\d+) #([0-9a-f]{" + NONCE_LENGTH + "})>>>\\n(.*?)\\n<<<END RESPONSE \\1 #\\2>>>",
            Pattern.DOTALL);

    private Fences() {
    }

    public static String begin(int position, String nonce) {
        return "<<<BEGIN RESPONSE " + position + " #" + nonce + ">>>";
    }

    public static String end(int position, String nonce) {
        return "<<<END RESPONSE " + position + " #" + nonce + ">>>";
    }

    /** Wraps one response, numbered from 1, in its fence. */
    public static String fence(int position, String nonce, String response) {
        return begin(position, nonce) + "\n" + response + "\n" + end(position, nonce);
    }

    /**
     * A nonce that occurs in none of {@code texts}: the first 12 hex digits of SHA-256 over the
     * texts and an attempt counter, trying the next counter while any text contains the candidate.
     */
    public static String nonceFor(List<String> texts) {
        for (int attempt = 0; ; attempt++) {
            String candidate = digest(texts, attempt);
            if (texts.stream().noneMatch(text -> text.contains(candidate))) {
                return candidate;
            }
        }
    }

    /**
     * The fenced responses in a rendered prompt, in the order they appear (position 1 first).
     * Used by judges that need to see what they are judging, like the simulated one.
     */
    public static List<String> extract(String prompt) {
        List<String> responses = new ArrayList<>();
        Matcher matcher = FENCED.matcher(prompt);
        while (matcher.find()) {
            responses.add(matcher.group(3));
        }
        return responses;
    }

    private static String digest(List<String> texts, int attempt) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String text : texts) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                sha.update(longBytes(bytes.length));
                sha.update(bytes);
            }
            sha.update(longBytes(attempt));
            return HexFormat.of().formatHex(sha.digest()).substring(0, NONCE_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static byte[] longBytes(long value) {
        byte[] bytes = new byte[8];
        for (int i = 7; i >= 0; i--) {
            bytes[i] = (byte) value;
            value >>>= 8;
        }
        return bytes;
    }
}
