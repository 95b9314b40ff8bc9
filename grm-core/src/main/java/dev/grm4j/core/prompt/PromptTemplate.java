package dev.grm4j.core.prompt;

import dev.grm4j.core.internal.Fences;
import dev.grm4j.core.internal.Weights;
import dev.grm4j.core.internal.Permutations;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Message;
import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A versioned pair of texts, a system message and a user message, that turns a request into the
 * judge's prompt in the paper's layout: role, instructions, general criteria, output format
 * (system); conversation, reference, supplied principles, fenced responses (user).
 *
 * <p>Everything that the k samples of one request share comes before the responses, so a server
 * with a prefix cache computes it once; the user text must therefore contain {@code {{responses}}}
 * once, outside any section, and it is best placed last.
 *
 * <p>Syntax: {@code {{name}}} inserts a value; {@code {{#flag}}...{{/flag}}} keeps its text when the
 * flag holds and {@code {{^flag}}...{{/flag}}} when it does not. A section tag alone on its line
 * takes the line with it. Values are inserted verbatim and never re-read as template syntax.
 * <ul>
 *   <li>values: {@code n}, {@code min}, {@code max}, {@code nonce}, {@code anchors} (score bands),
 *       {@code score_format} (the box to write), {@code conversation}, {@code query},
 *       {@code reference}, {@code principles}, {@code responses}</li>
 *   <li>flags: {@code single} (one response), {@code multi} (two or more), {@code reference},
 *       {@code principles} (caller-supplied)</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class PromptTemplate {

    /** The template this library ships and uses unless told otherwise. */
    public static final String DEFAULT_VERSION = "grm-v2";

    private static final Set<String> VALUES = Set.of("n", "min", "max", "nonce", "anchors", "score_format",
            "conversation", "query", "reference", "principles", "responses");
    private static final Set<String> FLAGS = Set.of("single", "multi", "reference", "principles");

    private final String version;
    private final TemplateText system;
    private final TemplateText user;

    private PromptTemplate(String version, String systemText, String userText) {
        this.version = requireText(version, "version");
        this.system = TemplateText.parse("system", requireText(systemText, "system text"), VALUES, FLAGS);
        this.user = TemplateText.parse("user", requireText(userText, "user text"), VALUES, FLAGS);
        if (system.countValue("responses") != 0) {
            throw new IllegalArgumentException("template " + version
                    + ": {{responses}} belongs in the user text, after everything the samples share");
        }
        if (user.countValue("responses") != 1 || user.countTopLevelValue("responses") != 1) {
            throw new IllegalArgumentException("template " + version
                    + ": the user text must contain {{responses}} exactly once, outside any section");
        }
    }

    /** The shipped default, {@value #DEFAULT_VERSION}. */
    public static PromptTemplate defaultTemplate() {
        return Defaults.DEFAULT;
    }

    /**
     * A template shipped on the classpath under {@code dev/grm4j/core/templates/VERSION/} as
     * {@code system.txt} and {@code user.txt}.
     *
     * @throws IllegalArgumentException if there is no such version or it is not a valid template
     */
    public static PromptTemplate fromResources(String version) {
        Objects.requireNonNull(version, "version");
        String base = "/dev/grm4j/core/templates/" + version + "/";
        return new PromptTemplate(version, resource(base + "system.txt"), resource(base + "user.txt"));
    }

    /**
     * A template read from {@code system.txt} and {@code user.txt} in a directory; its version is the
     * directory's name, so keep one directory per version.
     */
    public static PromptTemplate fromDirectory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        try {
            return new PromptTemplate(directory.getFileName().toString(),
                    Files.readString(directory.resolve("system.txt")),
                    Files.readString(directory.resolve("user.txt")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template from " + directory, e);
        }
    }

    /** A template from texts, e.g. a shipped one edited in code. */
    public static PromptTemplate of(String version, String systemText, String userText) {
        return new PromptTemplate(version, systemText, userText);
    }

    public String version() {
        return version;
    }

    /**
     * Renders the prompt for one sample.
     *
     * @param order a permutation of the request's indices: {@code order.get(p)} is shown at position p+1
     * @throws IllegalArgumentException if {@code order} is not a permutation of {@code 0..N-1}
     */
    public RenderedPrompt render(GrmRequest request, List<Integer> order, ScoreRange range) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(range, "range");
        Permutations.requirePermutation(order, request.size());
        String nonce = Fences.nonceFor(textsOf(request));
        int n = request.size();

        List<String> fenced = new ArrayList<>(n);
        for (int position = 0; position < n; position++) {
            String response = request.responses().get(order.get(position));
            // Said outside the fence, where no candidate can write: an empty fence alone reads as a glitch.
            fenced.add(Fences.fence(position + 1, nonce, response) + (response.isBlank()
                    ? "\n(Response " + (position + 1) + " is empty: the candidate wrote nothing. Judge it as such.)" : ""));
        }
        Map<String, String> values = Map.ofEntries(
                Map.entry("n", Integer.toString(n)),
                Map.entry("min", Integer.toString(range.min())),
                Map.entry("max", Integer.toString(range.max())),
                Map.entry("nonce", nonce),
                Map.entry("anchors", anchors(range)),
                Map.entry("score_format", scoreFormat(n)),
                Map.entry("conversation", conversation(request.conversation())),
                Map.entry("query", request.query()),
                Map.entry("reference", request.reference().orElse("")),
                Map.entry("principles", principles(request.principles())),
                Map.entry("responses", String.join("\n\n", fenced)));
        Set<String> flags = new java.util.HashSet<>();
        flags.add(n == 1 ? "single" : "multi");
        request.reference().ifPresent(reference -> flags.add("reference"));
        if (!request.principles().isEmpty()) {
            flags.add("principles");
        }

        String systemText = system.render(values, flags).strip();
        String userText = user.render(values, flags).strip();
        int firstFence = userText.indexOf(Fences.begin(1, nonce));
        return new RenderedPrompt(List.of(Message.system(systemText), Message.user(userText)), order, nonce,
                version, systemText.length() + firstFence);
    }

    @Override
    public String toString() {
        return "PromptTemplate[" + version + "]";
    }

    private static List<String> textsOf(GrmRequest request) {
        List<String> texts = new ArrayList<>(request.responses());
        request.conversation().forEach(message -> texts.add(message.content()));
        request.reference().ifPresent(texts::add);
        request.principles().forEach(principle -> texts.add(principle.text()));
        return texts;
    }

    private static String conversation(List<Message> conversation) {
        if (conversation.size() == 1) {
            return "The user's query:\n" + conversation.get(0).content();
        }
        return conversation.stream()
                .map(message -> "[" + label(message.role()) + "]\n" + message.content())
                .collect(Collectors.joining("\n\n",
                        "The conversation so far (the last user message is the query):\n", ""));
    }

    private static String label(Message.Role role) {
        String name = role.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    private static String principles(List<Principle> principles) {
        List<Principle> shares = Weights.normalized(principles, Principle::weight, Principle::withWeight);
        return IntStream.range(0, shares.size())
                .mapToObj(i -> (i + 1) + ". " + shares.get(i).text() + " (" + percent(shares.get(i).weight()) + ")")
                .collect(Collectors.joining("\n"));
    }

    private static String percent(double share) {
        double value = Math.round(share * 1000) / 10.0;
        return (value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value)) + "%";
    }

    /** Four bands (top 20%, 30%, 30%, bottom 20% of the range), or just the two ends for short ranges. */
    static String anchors(ScoreRange range) {
        int levels = range.levels();
        if (levels < 4) {
            return "   - " + range.max() + ": fully meets the criteria.\n"
                    + "   - " + range.min() + ": fails them.";
        }
        int poorTop = range.min() + Math.max(1, Math.round(levels * 0.2f)) - 1;
        int excellentBottom = range.max() - Math.max(1, Math.round(levels * 0.2f)) + 1;
        int weakTop = poorTop + Math.max(1, (excellentBottom - poorTop - 1) / 2);
        return "   - " + band(excellentBottom, range.max())
                + ": excellent; meets every criterion, with at most trivial flaws.\n"
                + "   - " + band(weakTop + 1, excellentBottom - 1)
                + ": good; meets the main criteria, with some gaps or minor errors.\n"
                + "   - " + band(poorTop + 1, weakTop)
                + ": weak; partly useful, with significant errors or omissions.\n"
                + "   - " + band(range.min(), poorTop)
                + ": poor; wrong, unsafe, off-topic, or ignores the instructions.";
    }

    private static String band(int low, int high) {
        return low == high ? Integer.toString(low) : low + "-" + high;
    }

    private static String scoreFormat(int n) {
        if (n == 1) {
            return "\\boxed{s}\nwhere s is the response's integer score.";
        }
        String scores = n <= 5
                ? IntStream.rangeClosed(1, n).mapToObj(i -> "s" + i).collect(Collectors.joining(", "))
                : "s1, s2, ..., s" + n;
        return "\\boxed{" + scores + "}\nwhere s1 is the score of response 1, s2 of response 2, and so on: exactly "
                + n + " integers, separated by commas.";
    }

    private static String resource(String path) {
        try (InputStream in = PromptTemplate.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no template resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template resource " + path, e);
        }
    }

    private static String requireText(String text, String name) {
        Objects.requireNonNull(text, name);
        if (text.isBlank()) {
            throw new IllegalArgumentException(name + " is blank");
        }
        return text;
    }

    /** Lazily loaded so that a broken resource fails where it is used, with its own message. */
    private static final class Defaults {
        static final PromptTemplate DEFAULT = fromResources(DEFAULT_VERSION);
    }
}
