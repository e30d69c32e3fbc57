package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallsTest {
    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Calls.text(Duration.ofSeconds(10))).isEqualTo("10 s");
        assertThat(Calls.text(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(Calls.text(Duration.ofMillis(500))).isEqualTo("500 ms");
        assertThat(Calls.text(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Calls.text(Duration.ofMinutes(2))).isEqualTo("2 min");
        assertThat(Calls.text(Duration.ofMillis(1234))).isEqualTo("1234 ms");
    }
}
