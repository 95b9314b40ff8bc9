package dev.grm4j.examples.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.principles.RftSampler;

/**
 * The counts of one {@code grm rft} run. Every count but {@code items} and {@code skipped} counts
 * trajectories, and {@code sampled = accepted + rejected_wrong + rejected_too_easy + rejected_hint_leak}.
 * Not thread-safe: only the writing thread adds.
 */
final class RftTally {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private long items;
    private long sampled;
    private long accepted;
    private long rejectedWrong;
    private long rejectedTooEasy;
    private long rejectedHintLeak;
    private long hintedAccepted;
    private long failed;
    private long tooEasyItems;
    private long skipped;

    void add(RftSampler.Result result) {
        items++;
        sampled += result.sampled();
        accepted += result.accepted().size();
        rejectedWrong += result.rejectedWrong();
        rejectedTooEasy += result.rejectedTooEasy();
        rejectedHintLeak += result.rejectedHintLeak();
        hintedAccepted += result.hintedAccepted() ? 1 : 0;
        failed += result.failed();
        tooEasyItems += result.tooEasy() ? 1 : 0;
    }

    /** Counts a line that gave no item; returns how many were skipped so far. */
    long skip() {
        return ++skipped;
    }

    long skipped() {
        return skipped;
    }

    long failed() {
        return failed;
    }

    /** Labelled items sampled so far. */
    long items() {
        return items;
    }

    /**
     * The summary line: {@code items} labelled items sampled; {@code sampled} trajectories drawn;
     * {@code accepted} written (hinted ones included); {@code rejected_wrong} not correct (those without a
     * verdict included, also counted in {@code failed}); {@code rejected_too_easy} correct but from items
     * where all N were ({@code too_easy_items} of them); {@code hinted_accepted} hinted ones written;
     * {@code rejected_hint_leak} correct hinted ones that mention the hint; {@code skipped} input lines
     * that gave no item.
     */
    String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("items", items);
        root.put("sampled", sampled);
        root.put("accepted", accepted);
        root.put("rejected_wrong", rejectedWrong);
        root.put("rejected_too_easy", rejectedTooEasy);
        root.put("hinted_accepted", hintedAccepted);
        root.put("rejected_hint_leak", rejectedHintLeak);
        root.put("failed", failed);
        root.put("too_easy_items", tooEasyItems);
        root.put("skipped", skipped);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
    }
}
