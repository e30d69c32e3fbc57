package io.registry4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void percentileIsTheNearestRank() {
        long[] samples = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
        assertThat(Stats.percentile(samples, 0.5)).isEqualTo(5);
        assertThat(Stats.percentile(samples, 0.99)).isEqualTo(10);
        assertThat(Stats.percentile(samples, 0.1)).isEqualTo(1);
        assertThat(Stats.percentile(new long[] {42}, 0.99)).isEqualTo(42);
        // The input is not reordered.
        assertThat(samples[0]).isEqualTo(5);
    }

    @Test
    void percentileOfAHundredSamples() {
        long[] samples = new long[100];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = 100L - i;
        }
        assertThat(Stats.percentile(samples, 0.50)).isEqualTo(50);
        assertThat(Stats.percentile(samples, 0.99)).isEqualTo(99);
        assertThat(Stats.percentile(samples, 1.0)).isEqualTo(100);
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> Stats.percentile(new long[0], 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("samples");
        assertThatThrownBy(() -> Stats.percentile(new long[] {1}, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("q must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> Stats.median(new double[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values");
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Stats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }

    @Test
    void summaryIsTheMedianOfTheRoundsPercentiles() {
        long[] quiet = {1_000_000, 2_000_000, 3_000_000};
        long[] quieter = {1_000_000, 1_000_000, 2_000_000};
        long[] disturbed = {50_000_000, 60_000_000, 70_000_000};
        Stats.Summary s = Stats.summarize(List.of(quiet, disturbed, quieter), 1e6);
        // p50 of the rounds: 2, 60, 1 -> median 2; p99: 3, 70, 2 -> median 3.
        assertThat(s.p50()).isEqualTo(2.0);
        assertThat(s.p99()).isEqualTo(3.0);
        assertThat(s.n()).isEqualTo(9);
    }

    @Test
    void theMedianIntervalWidensToKeepNinetyPercent() {
        assertThat(Stats.medianInterval(new double[] {3, 1, 2})).isNull();
        assertThat(Stats.medianInterval(new double[] {4, 1, 3, 2})).containsExactly(1, 4);
        assertThat(Stats.medianInterval(new double[] {5, 1, 4, 2, 3, 7, 6})).containsExactly(1, 7);
        assertThat(Stats.medianInterval(new double[] {9, 1, 8, 2, 7, 3, 6, 4, 5}))
                .containsExactly(2, 8);
        assertThat(Stats.binomialTail(9, 2)).isEqualTo(10 / 512.0);
    }
}
