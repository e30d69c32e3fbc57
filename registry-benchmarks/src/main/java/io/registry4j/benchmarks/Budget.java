package io.registry4j.benchmarks;

import org.jspecify.annotations.Nullable;

/**
 * A budget of {@code DESIGN.md} §6 and how a row is judged against it.
 *
 * @param text the budget as the report prints it
 * @param kind what is compared
 * @param limit the bound
 */
public record Budget(String text, Kind kind, double limit) {
    /** What a budget compares. */
    public enum Kind {
        /** registry4j p50 / anchor p50 at most the limit. */
        RATIO_P50,
        /** registry4j p99 / anchor p99 at most the limit. */
        RATIO_P99,
        /** registry4j p50 at most the limit (an absolute bound). */
        OURS_AT_MOST,
        /** registry4j p50 minus anchor p50 at most the limit (our own share of a cost both pay). */
        DIFF_AT_MOST,
        /** registry4j p50 at most anchor p50 plus the limit. */
        ANCHOR_PLUS,
        /** No budget: printed for information. */
        NONE
    }

    /** No budget. */
    public static final Budget NONE = new Budget("–", Kind.NONE, 0);

    /** A ratio budget on p50. */
    public static Budget ratioP50(double limit) {
        return new Budget("p50 ≤ " + limit + "× SDK", Kind.RATIO_P50, limit);
    }

    /** A ratio budget on p99. */
    public static Budget ratioP99(double limit) {
        return new Budget("p99 ≤ " + limit + "× SDK", Kind.RATIO_P99, limit);
    }

    /** An absolute bound on registry4j's value. */
    public static Budget atMost(double limit, String text) {
        return new Budget(text, Kind.OURS_AT_MOST, limit);
    }

    /** A bound on registry4j's value minus the anchor's. */
    public static Budget diffAtMost(double limit, String text) {
        return new Budget(text, Kind.DIFF_AT_MOST, limit);
    }

    /** A bound on registry4j's value relative to the anchor's plus a slack. */
    public static Budget anchorPlus(double limit, String text) {
        return new Budget(text, Kind.ANCHOR_PLUS, limit);
    }

    /**
     * Judges a measurement.
     *
     * @param ours registry4j's summary
     * @param anchor the SDK's summary, or null without one
     * @return PASS, MISS, or "info" when there is no budget or nothing to compare with
     */
    public String verdict(Stats.Summary ours, Stats.@Nullable Summary anchor) {
        if (kind == Kind.NONE) {
            return "info";
        }
        if (kind == Kind.OURS_AT_MOST) {
            return pass(ours.p50() <= limit);
        }
        if (anchor == null) {
            return "info";
        }
        return switch (kind) {
            case RATIO_P50 -> pass(ours.p50() <= limit * anchor.p50());
            case RATIO_P99 -> pass(ours.p99() <= limit * anchor.p99());
            case DIFF_AT_MOST -> pass(ours.p50() - anchor.p50() <= limit);
            case ANCHOR_PLUS -> pass(ours.p50() <= anchor.p50() + limit);
            case OURS_AT_MOST, NONE -> "info";
        };
    }

    private static String pass(boolean ok) {
        return ok ? "PASS" : "MISS";
    }
}
