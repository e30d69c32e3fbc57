package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakeClockTest {

    @Test
    void runsTasksInDueOrderIncludingTasksScheduledByTasks() {
        var clock = new FakeClock();
        Scheduler s = clock.scheduler();
        List<String> ran = new ArrayList<>();
        s.schedule(Duration.ofSeconds(3), () -> ran.add("c"));
        s.schedule(Duration.ofSeconds(1), () -> {
            ran.add("a");
            s.schedule(Duration.ofSeconds(1), () -> ran.add("b"));
        });
        Scheduler.Task cancelled = s.schedule(Duration.ofSeconds(2), () -> ran.add("never"));
        cancelled.cancel();
        var start = clock.instant();
        clock.advance(Duration.ofMillis(2500));
        assertThat(ran).containsExactly("a", "b");
        assertThat(clock.instant()).isEqualTo(start.plusMillis(2500));
        assertThat(clock.pendingDelays()).containsExactly(Duration.ofMillis(500));
        clock.advance(Duration.ofSeconds(1));
        assertThat(ran).containsExactly("a", "b", "c");
        assertThat(clock.pendingTasks()).isZero();
    }
}
