package io.registry4j.benchmarks;

import org.jspecify.annotations.Nullable;

/**
 * One line of the report: one measure of one backend, registry4j next to the SDK doing the same work in the same
 * run.
 *
 * @param backend the backend, e.g. {@code etcd}
 * @param measure what was measured
 * @param unit the unit of the values
 * @param ours registry4j's figures
 * @param anchorName what the SDK anchor did, or {@code –}
 * @param anchor the anchor's figures, or null without one
 * @param budget the budget it is judged against
 * @param note a remark printed under the table, or empty
 */
public record Row(
        String backend,
        String measure,
        String unit,
        Stats.Summary ours,
        String anchorName,
        Stats.@Nullable Summary anchor,
        Budget budget,
        String note) {

    /** PASS, MISS or info. */
    public String verdict() {
        return budget.verdict(ours, anchor);
    }

    /** registry4j / anchor on p50, NaN without an anchor or with a zero anchor. */
    public double ratioP50() {
        return anchor == null || anchor.p50() == 0 ? Double.NaN : ours.p50() / anchor.p50();
    }

    /** registry4j / anchor on p99, NaN when either has no p99. */
    public double ratioP99() {
        return anchor == null || Double.isNaN(anchor.p99()) || anchor.p99() == 0
                ? Double.NaN
                : ours.p99() / anchor.p99();
    }
}
