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
     * Judges a measurement: PASS when the whole confidence interval of the judged figure is within the budget, MISS
     * when the whole interval is beyond it, BORDERLINE when it straddles the budget. The judged figure is computed per
     * round (registry4j's round against the anchor's round of the same index, measured interleaved), and the interval
     * is {@link Stats#medianInterval} of those per-round figures; single measurements (counts, heap) are judged as
     * they are.
     *
     * @param ours registry4j's summary
     * @param anchor the SDK's summary, or null without one
     * @return PASS, MISS, BORDERLINE, or "info" when there is no budget or nothing to compare with
     */
    public String verdict(Stats.Summary ours, Stats.@Nullable Summary anchor) {
        double @Nullable [] interval = interval(ours, anchor);
        if (interval == null) {
            return "info";
        }
        boolean low = within(interval[0]);
        boolean high = within(interval[1]);
        return low && high ? "PASS" : !low && !high ? "MISS" : "BORDERLINE";
    }

    /**
     * The interval of the judged figure ({@code {value, value}} for a single measurement), or null if there is
     * nothing to judge.
     *
     * @param ours registry4j's summary
     * @param anchor the SDK's summary, or null without one
     * @return {low, high} or null
     */
    public double @Nullable [] interval(Stats.Summary ours, Stats.@Nullable Summary anchor) {
        if (kind == Kind.NONE) {
            return null;
        }
        if (kind == Kind.OURS_AT_MOST) {
            return range(ours.roundP50(), ours.p50());
        }
        if (anchor == null) {
            return null;
        }
        return switch (kind) {
            case RATIO_P50 -> paired(ours.roundP50(), anchor.roundP50(), true, ours.p50() / anchor.p50());
            case RATIO_P99 -> paired(ours.roundP99(), anchor.roundP99(), true, ours.p99() / anchor.p99());
            case DIFF_AT_MOST, ANCHOR_PLUS ->
                paired(ours.roundP50(), anchor.roundP50(), false, ours.p50() - anchor.p50());
            case OURS_AT_MOST, NONE -> null;
        };
    }

    /** Whether the judged figure is a ratio (printed with ×) rather than a value in the row's unit. */
    public boolean isRatio() {
        return kind == Kind.RATIO_P50 || kind == Kind.RATIO_P99;
    }

    /** Whether a value of the judged figure is within the budget. */
    private boolean within(double value) {
        return value <= limit;
    }

    private static double[] range(double[] values, double point) {
        double[] interval = Stats.medianInterval(values);
        return interval != null ? interval : new double[] {point, point};
    }

    private static double[] paired(double[] ours, double[] anchor, boolean ratio, double point) {
        if (ours.length != anchor.length || ours.length < 4) {
            return new double[] {point, point};
        }
        double[] figures = new double[ours.length];
        for (int i = 0; i < ours.length; i++) {
            figures[i] = ratio ? ours[i] / anchor[i] : ours[i] - anchor[i];
        }
        return range(figures, point);
    }
}
