package io.registry4j.spring;

import java.time.Duration;

/** The Awaitility bound of the Spring tests, scaled by {@code registry4j.test.timeScale} for slow machines. */
final class TestTime {
    private TestTime() {}

    static Duration patience() {
        return io.registry4j.testservers.TestTime.scaled(Duration.ofSeconds(30));
    }
}
