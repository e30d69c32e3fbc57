package io.registry4j.servicecomb;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.FakeServiceCenter;
import io.registry4j.testservers.HeldHeartbeats;
import io.registry4j.testservers.RequestHolds;
import io.registry4j.testservers.TestTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Heartbeats of many instances on a slow service-center, on the fake service-center (labelled: no real one can be
 * built here): the fake holds every heartbeat it gets until the test lets them through, so what is in flight at once
 * can be counted, and nothing depends on how fast the machine is. Sent one after the other on the scheduler thread,
 * a single held heartbeat would stop all the others and the scheduler with them.
 */
@DisplayName("ServiceCombRegistry heartbeats on a slow fake service-center")
@ExtendWith(RegistryLeakCheck.class)
class ServiceCombHeartbeatTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T later(T t) {
        open.add(t);
        return t;
    }

    private static Duration bound() {
        return TestTime.scaled(Duration.ofSeconds(20));
    }

    @Test
    @DisplayName("fake service-center: the heartbeats of 6 instances are in flight together, never more than the"
            + " bound, and the scheduler thread stays free")
    void heartbeatsOfManyInstancesAreInFlightTogetherWithinTheBound() throws Exception {
        FakeServiceCenter fake = later(FakeServiceCenter.builder()
                .minHealthCheck(1, 3)
                .tickInterval(Duration.ofMillis(100))
                .start());
        var timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "test-servicecomb-scheduler");
            t.setDaemon(true);
            return t;
        });
        later(() -> {
            timer.shutdownNow();
            assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        });
        // Held heartbeats wait for the test, not for a timeout: the call timeout is far longer than any wait here.
        ServiceCombRegistry registry = later(ServiceCombRegistry.builder()
                .address(fake.address())
                .heartbeatInterval(Duration.ofSeconds(1))
                .callTimeout(Duration.ofMinutes(2))
                .maxConcurrentHeartbeats(3)
                .scheduler(Scheduler.of(timer))
                .build());
        for (int i = 0; i < 6; i++) {
            registry.register(ServiceInstance.builder()
                    .id("h" + i)
                    .name("beats")
                    .version("1.0.0")
                    .endpoint("grpc://127.0.0.1:" + (9000 + i))
                    .build());
        }
        RequestHolds.Hold hold = later(fake.hold(r -> r.startsWith("PUT ") && r.contains("/heartbeat")));

        HeldHeartbeats.check(hold, 3, timer, bound(), "the server");
        // Held past their lease, the instances may have expired: answered 400017, the keeper registers them again.
        Awaitility.await("all six instances on the server again")
                .atMost(bound())
                .ignoreExceptionsInstanceOf(RegistryException.class)
                .until(() -> registry.getService("beats").size() == 6);
    }
}
