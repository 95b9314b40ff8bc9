package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The records of one request: what a meta RM rates together. */
record RequestGroup(String item, GrmRequest request, List<TrajectoryRecord> records) {

    /** Groups the records by item and request, in order of first appearance; each group's records by sample index. */
    static List<RequestGroup> of(List<TrajectoryRecord> records) {
        Map<List<Object>, List<TrajectoryRecord>> groups = new LinkedHashMap<>();
        for (TrajectoryRecord record : records) {
            groups.computeIfAbsent(List.of(record.item(), record.request()), key -> new ArrayList<>()).add(record);
        }
        List<RequestGroup> result = new ArrayList<>(groups.size());
        groups.forEach((key, members) -> {
            List<TrajectoryRecord> sorted = new ArrayList<>(members);
            sorted.sort(Comparator.comparingInt(TrajectoryRecord::sample));
            result.add(new RequestGroup(members.get(0).item(), members.get(0).request(), List.copyOf(sorted)));
        });
        return result;
    }

    List<Judgement> judgements() {
        return records.stream().map(TrajectoryRecord::judgement).toList();
    }
}
