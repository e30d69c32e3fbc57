package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationsTest {

    @Test
    void readsShortFormsAndIso() {
        var d = new Durations();
        assertThat(d.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(d.convert("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(d.convert("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void rejectsZeroUnlessAllowedAndNonsenseAlways() {
        assertThatThrownBy(() -> new Durations().convert("0s"))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("must be positive");
        assertThat(new Durations.OrZero().convert("0ms")).isZero();
        assertThatThrownBy(() -> new Durations().convert("soon")).hasMessageContaining("'soon' is not a duration");
    }

    @Test
    void formatsForPeople() {
        assertThat(Durations.format(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10 s");
        assertThat(Durations.format(Duration.ofMillis(1250))).isEqualTo("1.25 s");
        assertThat(Durations.formatNanos(2_500_000)).isEqualTo("2.5 ms");
    }
}
