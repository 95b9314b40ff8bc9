package dev.grm4j.examples.serve;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Message;
import dev.grm4j.core.Principle;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Gathers single-rollout requests into groups: rollouts of the same prompt (same conversation, label and
 * principles) that arrive within the window of the first are judged together, as one request of all
 * their responses, and each is answered when its group's vote is done. A group that reaches the most
 * responses one judgement shows is sent at once; the next rollout of that prompt opens a new group.
 *
 * <p>OpenRLHF sends each rollout as its own request, all of a batch at once; GRPO's G rollouts of a
 * prompt therefore arrive within milliseconds of each other and cost k calls together, not G times k.
 */
final class GroupWindow {

    /** Where a rollout's reward is: response {@code index} of {@code vote}. */
    record Placed(VoteResult vote, int index) {
    }

    /** What makes rollouts one group: everything of the request but its response. */
    private record Prompt(List<Message> conversation, Optional<String> reference, List<Principle> principles) {
    }

    /** A group still open for rollouts. */
    private final class Open {
        private final Prompt prompt;
        private final List<String> responses = new ArrayList<>();
        private final List<CompletableFuture<Placed>> waiting = new ArrayList<>();
        private ScheduledFuture<?> timer;

        Open(Prompt prompt) {
            this.prompt = prompt;
        }
    }

    private final VotingGrm voting;
    private final Duration window;
    private final int maxGroup;
    private final ScheduledExecutorService timers;
    private final IntConsumer groupSizes;
    private final Map<Prompt, Open> open = new HashMap<>();

    /**
     * @param voting     votes each group (with all k samples: a group's rewards are every response's
     *                   mean, not only its best)
     * @param groupSizes told the size of every group sent
     */
    GroupWindow(VotingGrm voting, Duration window, int maxGroup, ScheduledExecutorService timers,
                IntConsumer groupSizes) {
        this.voting = voting;
        this.window = window;
        this.maxGroup = maxGroup;
        this.timers = timers;
        this.groupSizes = groupSizes;
    }

    /** Adds the one-response {@code rollout} to its prompt's open group, opening one if there is none. */
    CompletableFuture<Placed> add(GrmRequest rollout) {
        Prompt prompt = new Prompt(rollout.conversation(), rollout.reference(), rollout.principles());
        CompletableFuture<Placed> placed = new CompletableFuture<>();
        Open full = null;
        synchronized (this) {
            Open group = open.computeIfAbsent(prompt, Open::new);
            group.responses.add(rollout.responses().get(0));
            group.waiting.add(placed);
            if (group.responses.size() >= maxGroup) {
                open.remove(prompt);
                full = group;
            } else if (group.timer == null) {
                group.timer = timers.schedule(() -> close(group), window.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        if (full != null) {
            if (full.timer != null) {
                full.timer.cancel(false);
            }
            send(full);
        }
        return placed;
    }

    /** The window of {@code group} is over: no more rollouts join it. */
    private void close(Open group) {
        synchronized (this) {
            if (open.get(group.prompt) != group) {
                return;
            }
            open.remove(group.prompt);
        }
        send(group);
    }

    private void send(Open group) {
        groupSizes.accept(group.responses.size());
        GrmRequest request = new GrmRequest(group.prompt.conversation(), List.copyOf(group.responses),
                group.prompt.reference(), group.prompt.principles());
        CompletableFuture<VoteResult> vote;
        try {
            vote = voting.voteAsync(request);
        } catch (RuntimeException e) {
            group.waiting.forEach(placed -> placed.completeExceptionally(e));
            return;
        }
        vote.whenComplete((result, failure) -> {
            for (int i = 0; i < group.waiting.size(); i++) {
                if (failure != null) {
                    group.waiting.get(i).completeExceptionally(failure);
                } else {
                    group.waiting.get(i).complete(new Placed(result, i));
                }
            }
        });
    }
}
