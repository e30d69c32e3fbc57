package io.registry4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void exponentialDoublesUpToTheCap() {
        Backoff b = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0);
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.delay(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(10_000)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void jitterOnlyShortensAndIsDrivenByTheGivenRandomness() {
        Backoff base = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0);
        assertThat(base.withJitter(0.5, () -> 0.0).delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(base.withJitter(0.5, () -> 1.0).delay(2)).isEqualTo(Duration.ofMillis(100));
        assertThat(base.withJitter(0.5, () -> 0.5).delay(20)).isEqualTo(Duration.ofMillis(750));
        Backoff random = Backoff.ofDefaults();
        for (int attempt = 1; attempt < 40; attempt++) {
            assertThat(random.delay(attempt)).isBetween(Duration.ZERO, Backoff.DEFAULT_MAX);
        }
    }

    @Test
    void rejectsNonsenseNamingTheArgument() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1), 2))
                .hasMessageContaining("initial");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1), 2))
                .hasMessageContaining("max");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(2), 0.5))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(2), Double.NaN))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> Backoff.ofDefaults().withJitter(1.5)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(2), 2)
                        .delay(0))
                .hasMessageContaining("attempt");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(-1))).hasMessageContaining("delay");
    }

    @Test
    void fixedIsConstant() {
        assertThat(Backoff.fixed(Duration.ofMillis(5)).delay(99)).isEqualTo(Duration.ofMillis(5));
    }

    /** The default every backend uses must grow, be capped, and be jittered so that clients do not retry in step. */
    @Test
    void theDefaultGrowsIsCappedAndJittered() {
        Backoff d = Backoff.ofDefaults();
        assertThat(d.delay(1)).isBetween(Duration.ofMillis(80), Backoff.DEFAULT_INITIAL);
        assertThat(d.delay(4)).isBetween(Duration.ofMillis(640), Duration.ofMillis(800));
        assertThat(d.delay(60)).isBetween(Duration.ofSeconds(8), Backoff.DEFAULT_MAX);
        java.util.Set<Duration> drawn = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            drawn.add(d.delay(60));
        }
        assertThat(drawn).as("50 jittered delays of the same attempt").hasSizeGreaterThan(1);
    }
}
