package io.registry4j.testservers;

import java.time.Duration;

/**
 * Test bounds scaled by the system property {@code registry4j.test.timeScale} (default 1, never less), for loaded
 * machines: {@code -Dregistry4j.test.timeScale=3} triples every Awaitility bound of the tests that use this. A value
 * that is not a number counts as 1.
 */
public final class TestTime {
    /** The system property that scales test bounds. */
    public static final String SCALE_PROPERTY = "registry4j.test.timeScale";

    private TestTime() {}

    /** Returns the scale factor in effect: {@value #SCALE_PROPERTY}, at least 1. */
    public static double scale() {
        try {
            return Math.max(1.0, Double.parseDouble(System.getProperty(SCALE_PROPERTY, "1")));
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }

    /** Returns {@code bound} multiplied by {@link #scale()}. */
    public static Duration scaled(Duration bound) {
        return Duration.ofMillis((long) (bound.toMillis() * scale()));
    }
}
