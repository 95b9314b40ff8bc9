package dev.grm4j.core.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WinnerTest {

    @Test
    void a_strict_maximum_wins_without_drawing() {
        Winner winner = Winner.of(List.of(3, 9, 4), new SplittableRandom(1));

        assertThat(winner.index()).isEqualTo(1);
        assertThat(winner.tieBroken()).isFalse();
    }

    @Test
    void ties_are_broken_uniformly_among_the_tied_responses_only() {
        SplittableRandom random = new SplittableRandom(7);
        int[] wins = new int[4];
        int draws = 30_000;
        for (int i = 0; i < draws; i++) {
            Winner winner = Winner.of(List.of(8, 5, 8, 8), random);
            assertThat(winner.tieBroken()).isTrue();
            assertThat(winner.tied()).containsExactly(0, 2, 3);
            wins[winner.index()]++;
        }

        assertThat(wins[1]).isZero();
        for (int index : new int[] {0, 2, 3}) {
            assertThat(wins[index] / (double) draws).isCloseTo(1 / 3.0, within(0.015));
        }
    }

    @Test
    void the_same_seed_draws_the_same_winner() {
        assertThat(Winner.of(List.of(5, 5, 5, 5, 5), new SplittableRandom(42)).index())
                .isEqualTo(Winner.of(List.of(5, 5, 5, 5, 5), new SplittableRandom(42)).index());
    }
}
