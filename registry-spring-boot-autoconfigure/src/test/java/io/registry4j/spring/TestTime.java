package io.registry4j.spring;

import java.time.Duration;

/** Awaitility bounds scaled by {@code registry4j.test.timeScale}, for slow machines. */
final class TestTime {
    private TestTime() {}

    static Duration scaled(Duration d) {
        double scale;
        try {
            scale = Math.max(1.0, Double.parseDouble(System.getProperty("registry4j.test.timeScale", "1")));
        } catch (NumberFormatException e) {
            scale = 1.0;
        }
        return Duration.ofMillis((long) (d.toMillis() * scale));
    }

    static Duration patience() {
        return scaled(Duration.ofSeconds(30));
    }
}
