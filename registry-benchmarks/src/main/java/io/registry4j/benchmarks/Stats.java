package io.registry4j.benchmarks;

import java.util.Arrays;
import java.util.List;

/** Percentiles (nearest rank) and medians; the only statistics the report uses. */
public final class Stats {
    private Stats() {}

    /**
     * The nearest-rank percentile of {@code samples}: the smallest sample such that at least {@code q} of all
     * samples are at or below it.
     *
     * @param samples the samples, in any order (not modified)
     * @param q the quantile, in (0, 1]
     * @return the percentile
     * @throws IllegalArgumentException if there are no samples or {@code q} is out of range
     */
    public static long percentile(long[] samples, double q) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("samples must not be empty");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in (0, 1], got " + q);
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /**
     * The median of {@code values}; the mean of the two middle values for an even count.
     *
     * @param values the values (not modified)
     * @return the median
     * @throws IllegalArgumentException if there are no values
     */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("values must not be empty");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * Summarizes interleaved rounds: p50 and p99 of each round, then the median of each across rounds, so that one
     * disturbed round (another job on the machine) moves neither.
     *
     * @param rounds the samples of each round
     * @param scale what to divide the samples by (e.g. 1e6 for nanoseconds to milliseconds)
     * @return the summary
     */
    public static Summary summarize(List<long[]> rounds, double scale) {
        double[] p50 = new double[rounds.size()];
        double[] p99 = new double[rounds.size()];
        int n = 0;
        for (int i = 0; i < rounds.size(); i++) {
            p50[i] = percentile(rounds.get(i), 0.50) / scale;
            p99[i] = percentile(rounds.get(i), 0.99) / scale;
            n += rounds.get(i).length;
        }
        return new Summary(median(p50), median(p99), n, p50, p99);
    }

    /**
     * Summarizes repeated runs that each give one value (JMH runs, CPU rounds): the median, with every run kept for
     * the confidence interval of the verdict.
     *
     * @param values one value per run
     * @param n how many measurements they summarize
     * @return the summary, without a p99
     */
    public static Summary runs(double[] values, int n) {
        return new Summary(median(values), Double.NaN, n, values.clone(), new double[0]);
    }

    /**
     * A distribution-free confidence interval for the median of {@code values}, from their order statistics: with k
     * values, the j-th smallest and j-th largest, j chosen as large as keeps the confidence at least 90 % (the
     * median lies below the j-th smallest only if fewer than j values do, a binomial(k, 1/2) tail). With 5 to 8
     * values that is the least and the greatest (confidence 94 % to 99 %); with 9 or more, narrower. With 4 values
     * (the JMH runs of the short profile) it is the least and the greatest too, at 87.5 %.
     *
     * @param values the values (not modified)
     * @return {low, high}, or null with fewer than 4 values
     */
    public static double @org.jspecify.annotations.Nullable [] medianInterval(double[] values) {
        int k = values.length;
        if (k < 4) {
            return null;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int j = 1;
        while (j + 1 <= k / 2 && 1 - 2 * binomialTail(k, j + 1) >= 0.90) {
            j++;
        }
        return new double[] {sorted[j - 1], sorted[k - j]};
    }

    /** P(X < j) for X ~ binomial(k, 1/2). */
    static double binomialTail(int k, int j) {
        double sum = 0;
        double c = 1; // C(k, 0)
        for (int i = 0; i < j; i++) {
            sum += c;
            c = c * (k - i) / (i + 1);
        }
        return sum / Math.pow(2, k);
    }

    /**
     * A single-valued summary (a resource count, a JMH score): p50 is the value, p99 is absent.
     *
     * @param value the value
     * @param n how many measurements it summarizes
     * @return the summary
     */
    public static Summary single(double value, int n) {
        return new Summary(value, Double.NaN, n);
    }

    /**
     * A single-valued summary of a count.
     *
     * @param value the count
     * @param n how many measurements it summarizes
     * @return the summary
     */
    public static Summary single(long value, int n) {
        return single((double) value, n);
    }

    /**
     * p50 and p99 (NaN when absent), the number of samples, and the figures of each round (paired with the anchor's
     * rounds of the same index: measured interleaved, in the same stretch of time).
     *
     * @param p50 the median (or the value)
     * @param p99 the 99th percentile, NaN if not applicable
     * @param n the number of samples
     * @param roundP50 each round's p50 (or each run's value)
     * @param roundP99 each round's p99, empty if not applicable
     */
    @SuppressWarnings("ArrayRecordComponent") // figures for the report, never compared or hashed
    public record Summary(double p50, double p99, int n, double[] roundP50, double[] roundP99) {
        /**
         * A summary without per-round figures.
         *
         * @param p50 the median (or the value)
         * @param p99 the 99th percentile, NaN if not applicable
         * @param n the number of samples
         */
        public Summary(double p50, double p99, int n) {
            this(p50, p99, n, new double[] {p50}, Double.isNaN(p99) ? new double[0] : new double[] {p99});
        }
    }
}
