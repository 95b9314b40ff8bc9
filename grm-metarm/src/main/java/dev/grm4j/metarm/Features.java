package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The features of a judgement, in two groups.
 *
 * <p><b>Quality</b> features read one judgement in the context of its request only: its scores'
 * shape, its principles and its critique. <b>Context</b> features compare it with the other scored
 * samples of the same request: agreement with all of them, and with the "consensus", the better half
 * of them by the stage-1 (quality-only) model. No feature reads a label.
 */
final class Features {

    static final List<String> QUALITY = List.of(
            "score_margin",             // (top - second) / span
            "score_spread",             // (max - min) / span
            "score_mean",               // (mean - min) / span
            "strict_top",               // 1 when one response is strictly on top (Eq. 10 needs it)
            "principle_count",
            "principle_chars",          // log(1 + mean characters per principle)
            "principle_vocabulary",     // log(1 + distinct words of 3+ letters over all principles)
            "weight_max",
            "weight_entropy",           // entropy of the weights / log(count); 0 for one principle
            "critique_chars",           // log(1 + characters)
            "critique_chars_per_response",
            "coverage",                 // share of responses the critique names ("Response i")
            "quote_coverage",           // share of responses the critique quotes (a 3-word run)
            "query_overlap",            // share of the query's content words used in principles or critique
            "output_chars");            // log(1 + characters of the raw output)

    static final List<String> CONTEXT = List.of(
            "siblings",                 // log(1 + other scored samples)
            "agree_best",               // own strict top = strict argmax of the others' mean scores
            "agree_share",              // share of others with the same strict top
            "agree_cosine",             // cosine of centred scores vs the others' centred mean
            "distance_to_mean",         // mean |score - others' mean| / span
            "consensus_agree_best",     // the same four against the better half of the others
            "consensus_share",
            "consensus_cosine",
            "consensus_distance",
            "quality_percentile");      // share of others with a lower stage-1 probability (ties half)

    /** The cosine between this sample's text embedding and the mean of the others'. */
    static final String EMBEDDING_SIMILARITY = "embedding_similarity";
    static final String EMBEDDING_PREFIX = "embedding_";

    private static final Pattern MENTION = Pattern.compile(
            "(?i)\\b(?:response|answer|assistant|candidate)\\s*#?\\s*(\\d{1,3})\\b");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Set<String> STOP = Set.of("that", "this", "with", "from", "have", "what", "which", "your",
            "about", "there", "their", "would", "could", "should", "them", "they", "then", "than", "into",
            "write", "please", "give", "make", "each", "following", "also", "will", "been", "were", "does");

    /** Only the start of a long response is searched for quotes. */
    private static final int MAX_QUOTE_WORDS = 400;

    private final ScoreRange range;

    Features(ScoreRange range) {
        this.range = range;
    }

    /** Every feature name this version knows, for an embedding of {@code dimension} (0: none). */
    static List<String> known(int dimension) {
        List<String> names = new ArrayList<>(QUALITY);
        names.addAll(CONTEXT);
        if (dimension > 0) {
            names.add(EMBEDDING_SIMILARITY);
            for (int i = 0; i < dimension; i++) {
                names.add(EMBEDDING_PREFIX + i);
            }
        }
        return names;
    }

    /** The words of a request that every sample's features look at, read once per request. */
    record RequestText(List<List<String>> responses, Set<String> query) {

        static RequestText of(GrmRequest request) {
            List<List<String>> responses = new ArrayList<>(request.size());
            for (String response : request.responses()) {
                List<String> words = words(response);
                responses.add(words.size() > MAX_QUOTE_WORDS ? List.copyOf(words.subList(0, MAX_QUOTE_WORDS))
                        : words);
            }
            Set<String> query = new HashSet<>();
            for (String word : words(request.query())) {
                if (word.length() >= 4 && !STOP.contains(word)) {
                    query.add(word);
                }
            }
            return new RequestText(responses, query);
        }
    }

    /** The quality features of one scored judgement, in {@link #QUALITY} order. */
    double[] quality(RequestText request, Judgement judgement) {
        List<Integer> scores = judgement.scores();
        int n = scores.size();
        double span = Math.max(1, range.max() - range.min());
        int[] sorted = scores.stream().mapToInt(Integer::intValue).sorted().toArray();
        int max = sorted[n - 1];
        int min = sorted[0];
        double margin = n < 2 ? 0 : (max - sorted[n - 2]) / span;
        double mean = Arrays.stream(sorted).average().orElse(0);

        List<Principle> principles = judgement.principles();
        int count = principles.size();
        double principleChars = principles.stream().mapToInt(p -> p.text().length()).average().orElse(0);
        Set<String> vocabulary = new HashSet<>();
        StringBuilder principleText = new StringBuilder();
        double weightMax = 0;
        double weightSum = principles.stream().mapToDouble(Principle::weight).sum();
        double entropy = 0;
        for (Principle principle : principles) {
            principleText.append(principle.text()).append('\n');
            for (String word : words(principle.text())) {
                if (word.length() >= 3) {
                    vocabulary.add(word);
                }
            }
            double w = weightSum > 0 ? principle.weight() / weightSum : 1.0 / count;
            weightMax = Math.max(weightMax, w);
            if (w > 0) {
                entropy -= w * Math.log(w);
            }
        }
        double weightEntropy = count > 1 ? entropy / Math.log(count) : 0;

        String critique = judgement.critique();
        Set<Integer> named = new HashSet<>();
        Matcher mention = MENTION.matcher(critique);
        while (mention.find()) {
            int position = Integer.parseInt(mention.group(1));
            if (position >= 1 && position <= n) {
                named.add(position);
            }
        }
        List<String> critiqueWords = words(critique);
        Set<String> trigrams = new HashSet<>();
        for (int i = 0; i + 2 < critiqueWords.size(); i++) {
            trigrams.add(critiqueWords.get(i) + ' ' + critiqueWords.get(i + 1) + ' ' + critiqueWords.get(i + 2));
        }
        Set<String> critiqueVocabulary = new HashSet<>(critiqueWords);
        int quoted = 0;
        for (List<String> response : request.responses()) {
            quoted += quotes(response, trigrams, critiqueVocabulary) ? 1 : 0;
        }

        Set<String> query = request.query();
        Set<String> written = new HashSet<>(critiqueVocabulary);
        written.addAll(words(principleText.toString()));
        long used = query.stream().filter(written::contains).count();

        return new double[] {
                margin,
                (max - min) / span,
                (mean - range.min()) / span,
                n < 2 || sorted[n - 1] > sorted[n - 2] ? 1 : 0,
                count,
                Math.log1p(principleChars),
                Math.log1p(vocabulary.size()),
                weightMax,
                weightEntropy,
                Math.log1p(critique.length()),
                Math.log1p(critique.length() / (double) n),
                named.size() / (double) n,
                quoted / (double) n,
                query.isEmpty() ? 0 : used / (double) query.size(),
                Math.log1p(judgement.rawOutput().length())};
    }

    /**
     * The context features of scored sample {@code self} among {@code scores} (all scored samples of the
     * request, in request order), given every sample's stage-1 probability; in {@link #CONTEXT} order.
     */
    double[] context(int self, List<List<Integer>> scores, double[] stage1) {
        int m = scores.size();
        int n = scores.get(self).size();
        double span = Math.max(1, range.max() - range.min());
        List<Integer> own = scores.get(self);
        int ownTop = strictTop(own);

        List<Integer> others = new ArrayList<>(m - 1);
        for (int j = 0; j < m; j++) {
            if (j != self) {
                others.add(j);
            }
        }
        // The better half of the others by stage-1 probability; ties go to the lower index.
        List<Integer> ranked = new ArrayList<>(others);
        ranked.sort((a, b) -> stage1[a] != stage1[b] ? Double.compare(stage1[b], stage1[a]) : Integer.compare(a, b));
        List<Integer> consensus = ranked.subList(0, (ranked.size() + 1) / 2);

        double below = 0;
        for (int j : others) {
            below += stage1[j] < stage1[self] ? 1 : stage1[j] == stage1[self] ? 0.5 : 0;
        }
        double[] all = agreement(own, ownTop, others, scores, n, span);
        double[] best = agreement(own, ownTop, consensus, scores, n, span);
        return new double[] {
                Math.log1p(m - 1),
                all[0], all[1], all[2], all[3],
                best[0], best[1], best[2], best[3],
                others.isEmpty() ? 0.5 : below / others.size()};
    }

    /** {agree_best, share, cosine, distance} of {@code own} against the samples {@code group}. */
    private static double[] agreement(List<Integer> own, int ownTop, List<Integer> group, List<List<Integer>> scores,
                                      int n, double span) {
        if (group.isEmpty()) {
            return new double[] {0, 0, 0, 0};
        }
        double[] mean = new double[n];
        int sameTop = 0;
        for (int j : group) {
            List<Integer> other = scores.get(j);
            for (int i = 0; i < n; i++) {
                mean[i] += other.get(i) / (double) group.size();
            }
            sameTop += ownTop >= 0 && strictTop(other) == ownTop ? 1 : 0;
        }
        int meanTop = strictTop(mean);
        double ownMean = own.stream().mapToInt(Integer::intValue).average().orElse(0);
        double groupMean = Arrays.stream(mean).average().orElse(0);
        double dot = 0;
        double ownNorm = 0;
        double groupNorm = 0;
        double distance = 0;
        for (int i = 0; i < n; i++) {
            double a = own.get(i) - ownMean;
            double b = mean[i] - groupMean;
            dot += a * b;
            ownNorm += a * a;
            groupNorm += b * b;
            distance += Math.abs(own.get(i) - mean[i]);
        }
        double cosine = ownNorm > 0 && groupNorm > 0 ? dot / Math.sqrt(ownNorm * groupNorm) : 0;
        return new double[] {
                ownTop >= 0 && ownTop == meanTop ? 1 : 0,
                sameTop / (double) group.size(),
                cosine,
                distance / n / span};
    }

    /** The index of the strictly highest score, or -1 when the top is shared (or there is one response). */
    static int strictTop(List<Integer> scores) {
        if (scores.size() < 2) {
            return -1;
        }
        int top = 0;
        boolean shared = false;
        for (int i = 1; i < scores.size(); i++) {
            if (scores.get(i) > scores.get(top)) {
                top = i;
                shared = false;
            } else if (scores.get(i).equals(scores.get(top))) {
                shared = true;
            }
        }
        return shared ? -1 : top;
    }

    private static int strictTop(double[] values) {
        if (values.length < 2) {
            return -1;
        }
        int top = 0;
        boolean shared = false;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[top] + 1e-9) {
                top = i;
                shared = false;
            } else if (Math.abs(values[i] - values[top]) <= 1e-9) {
                shared = true;
            }
        }
        return shared ? -1 : top;
    }

    /** Whether the critique quotes the response: a 3-word run of it, or all its words when it has fewer. */
    private static boolean quotes(List<String> response, Set<String> trigrams, Set<String> vocabulary) {
        if (response.isEmpty()) {
            return false;
        }
        if (response.size() < 3) {
            return vocabulary.containsAll(response);
        }
        for (int i = 0; i + 2 < response.size(); i++) {
            if (trigrams.contains(response.get(i) + ' ' + response.get(i + 1) + ' ' + response.get(i + 2))) {
                return true;
            }
        }
        return false;
    }

    /** Lowercase words: runs of letters and digits. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher word = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (word.find()) {
            words.add(word.group());
        }
        return words;
    }

    /** What an embedding model is given for a judgement: its principles and its critique. */
    static String embeddingText(Judgement judgement) {
        StringBuilder text = new StringBuilder();
        judgement.principles().forEach(principle -> text.append(principle.text()).append('\n'));
        return text.append(judgement.critique()).toString();
    }
}
