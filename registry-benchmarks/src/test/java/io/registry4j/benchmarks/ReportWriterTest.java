package io.registry4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportWriterTest {
    private static final Stats.Summary FAST = new Stats.Summary(1.0, 2.0, 300);
    private static final Stats.Summary SLOW = new Stats.Summary(1.5, 3.0, 300);

    @Test
    void ratioBudgetsJudgeTheRightPercentile() {
        assertThat(Budget.ratioP50(1.2).verdict(SLOW, FAST)).isEqualTo("MISS");
        assertThat(Budget.ratioP50(1.2).verdict(FAST, SLOW)).isEqualTo("PASS");
        assertThat(Budget.ratioP99(1.25).verdict(new Stats.Summary(9, 2.4, 1), FAST))
                .isEqualTo("PASS");
        assertThat(Budget.ratioP99(1.25).verdict(new Stats.Summary(1, 2.6, 1), FAST))
                .isEqualTo("MISS");
        assertThat(Budget.ratioP50(1.2).verdict(FAST, null)).isEqualTo("info");
        assertThat(Budget.NONE.verdict(SLOW, FAST)).isEqualTo("info");
    }

    @Test
    void absoluteAndDifferenceBudgets() {
        assertThat(Budget.atMost(100, "≤ 100 ns").verdict(Stats.single(99.0, 1), null))
                .isEqualTo("PASS");
        assertThat(Budget.atMost(0, "0 B").verdict(Stats.single(208.0, 1), null))
                .isEqualTo("MISS");
        assertThat(Budget.diffAtMost(2, "").verdict(Stats.single(3.0, 1), Stats.single(1.5, 1)))
                .isEqualTo("PASS");
        assertThat(Budget.diffAtMost(2, "").verdict(Stats.single(4.0, 1), Stats.single(1.5, 1)))
                .isEqualTo("MISS");
        assertThat(Budget.anchorPlus(2, "").verdict(Stats.single(5L, 1), Stats.single(3L, 1)))
                .isEqualTo("PASS");
        assertThat(Budget.anchorPlus(2, "").verdict(Stats.single(6L, 1), Stats.single(3L, 1)))
                .isEqualTo("MISS");
    }

    @Test
    void aVerdictIsPassOrMissOnlyWhenTheWholeIntervalOfTheRoundsClearsTheBudget() {
        double[] anchor = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        Stats.Summary base = new Stats.Summary(1, Double.NaN, 9, anchor, new double[0]);
        Stats.Summary clearlyFaster = new Stats.Summary(
                1.05, Double.NaN, 9, new double[] {1.0, 1.1, 1.05, 1.02, 1.08, 1.15, 1.01, 1.03, 1.12}, new double[0]);
        Stats.Summary straddling = new Stats.Summary(
                1.18, Double.NaN, 9, new double[] {1.1, 1.3, 1.18, 1.15, 1.25, 1.22, 1.12, 1.19, 1.16}, new double[0]);
        Stats.Summary clearlySlower = new Stats.Summary(
                1.4, Double.NaN, 9, new double[] {1.3, 1.5, 1.4, 1.35, 1.45, 1.6, 1.25, 1.42, 1.38}, new double[0]);
        Budget budget = Budget.ratioP50(1.2);
        assertThat(budget.verdict(clearlyFaster, base)).isEqualTo("PASS");
        assertThat(budget.verdict(straddling, base)).isEqualTo("BORDERLINE");
        assertThat(budget.verdict(clearlySlower, base)).isEqualTo("MISS");
        // 9 rounds: the second smallest and second largest of the per-round ratios (96 % for the median).
        assertThat(budget.interval(straddling, base)).containsExactly(1.12, 1.25);
        assertThat(ReportWriter.interval(new Row("etcd", "register", "ms", straddling, "jetcd", base, budget, "")))
                .isEqualTo("1.12× – 1.25×");
    }

    @Test
    void rendersATablePerBackendWithRatiosFirst() {
        List<Row> rows = List.of(
                new Row("etcd", "register", "ms", SLOW, "jetcd", FAST, Budget.ratioP50(1.2), "a note"),
                new Row("ZooKeeper", "register", "ms", FAST, "Curator", SLOW, Budget.ratioP50(1.2), ""),
                new Row("etcd", "heap", "KB", Stats.single(12.5, 1), "–", null, Budget.NONE, ""));
        String md = ReportWriter.render(List.of("- Machine: test"), rows, List.of("A closing note."));

        assertThat(md).startsWith("# registry4j benchmarks");
        assertThat(md).contains("- Machine: test");
        assertThat(md.indexOf("## etcd")).isLessThan(md.indexOf("## ZooKeeper"));
        assertThat(md)
                .contains("| register | 1.50× | 1.50× | p50 ≤ 1.2× SDK | **MISS** | 1.50× | 1.50 / 3.00 | 1.00 / 2.00 |"
                        + " jetcd | ms | 300 |");
        assertThat(md)
                .contains(
                        "| register | 0.67× | 0.67× | p50 ≤ 1.2× SDK | **PASS** | 0.667× | 1.00 / 2.00 | 1.50 / 3.00 |");
        assertThat(md).contains("| heap | – | – | – | info | – | 12.5 | – | – | KB | 1 |");
        assertThat(md).contains("- register: a note");
        assertThat(md).contains("## Notes\n\nA closing note.");
    }

    @Test
    void readsTheVerdictsOfAReportBackAndComparesTwoRuns() {
        List<Row> first = List.of(
                new Row("etcd", "register", "ms", SLOW, "jetcd", FAST, Budget.ratioP50(1.2), ""),
                new Row("etcd", "heap", "KB", Stats.single(12.5, 1), "–", null, Budget.NONE, ""),
                new Row("Nacos", "register", "ms", FAST, "SDK", SLOW, Budget.ratioP50(1.2), ""));
        List<Row> second = List.of(
                new Row("etcd", "register", "ms", FAST, "jetcd", SLOW, Budget.ratioP50(1.2), ""),
                new Row("Nacos", "register", "ms", FAST, "SDK", SLOW, Budget.ratioP50(1.2), ""));
        String before = ReportWriter.render(List.of("- Date: then"), first, List.of("note"));

        assertThat(ReportWriter.verdicts(before))
                .containsExactly(
                        java.util.Map.entry("etcd / register", "MISS"),
                        java.util.Map.entry("Nacos / register", "PASS"));

        String comparison = ReportWriter.comparison(
                "then",
                ReportWriter.verdicts(before),
                ReportWriter.verdicts(ReportWriter.render(List.of(), second, List.of())));
        assertThat(comparison)
                .contains("Previous run: then")
                .contains("2 rows with a budget: 1 with the same verdict in both runs, 0 moved to or from BORDERLINE,"
                        + " 1 flipped between PASS and MISS, 0 in one run only.")
                .contains("| etcd / register | MISS | PASS | **PASS↔MISS flip** |")
                .contains("| Nacos / register | PASS | PASS | same |");
        // A report that carries a comparison is read back without it.
        String after = ReportWriter.render(List.of(), second, List.of("note"), comparison);
        assertThat(ReportWriter.verdicts(after)).hasSize(2);
        assertThat(ReportWriter.comparison("none", java.util.Map.of(), ReportWriter.verdicts(after)))
                .isEmpty();
    }

    @Test
    void numbersKeepThreeSignificantDigits() {
        assertThat(ReportWriter.number(Double.NaN)).isEqualTo("–");
        assertThat(ReportWriter.number(0)).isEqualTo("0");
        assertThat(ReportWriter.number(0.012345)).isEqualTo("0.0123");
        assertThat(ReportWriter.number(1.2345)).isEqualTo("1.23");
        assertThat(ReportWriter.number(12.345)).isEqualTo("12.3");
        assertThat(ReportWriter.number(12345.6)).isEqualTo("12346");
    }
}
