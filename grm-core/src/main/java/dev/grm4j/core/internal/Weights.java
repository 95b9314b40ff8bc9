package dev.grm4j.core.internal;

import dev.grm4j.core.Principle;

import java.util.ArrayList;
import java.util.List;

/** How principle weights become shares: the one rule behind prompts, judgements and presets. */
public final class Weights {

    private Weights() {
    }

    /**
     * The same principles with weights that sum to 1: each weight over the total, or equal shares
     * when the total is 0.
     */
    public static List<Principle> normalized(List<Principle> principles) {
        double total = 0;
        for (Principle principle : principles) {
            total += principle.weight();
        }
        List<Principle> normalized = new ArrayList<>(principles.size());
        for (Principle principle : principles) {
            double share = total > 0 ? principle.weight() / total : 1.0 / principles.size();
            normalized.add(new Principle(principle.text(), share));
        }
        return List.copyOf(normalized);
    }
}
