package io.registry4j.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.ServiceInstance;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.FakeConsul;
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
 * Heartbeats of many instances on a slow agent, on the fake Consul agent: the agent holds every heartbeat it gets until
 * the test lets them through, so what is in flight at once can be counted, and nothing here depends on how fast the
 * machine is. Sent one after the other on the scheduler thread, as they once were, a single held heartbeat stops all
 * the others and the scheduler with them.
 */
@DisplayName("ConsulRegistry heartbeats on a slow fake Consul agent")
@ExtendWith(RegistryLeakCheck.class)
class ConsulHeartbeatTest {
    private static final String PASS = "PUT /v1/agent/check/pass/service:";

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

    /** Held heartbeats wait for the test, not for a timeout: the call timeout is far longer than any wait here. */
    private static ConsulRegistry.Builder builder(FakeConsul fake) {
        return ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .heartbeatInterval(Duration.ofMillis(300))
                .callTimeout(Duration.ofMinutes(2))
                .wait(Duration.ofSeconds(2));
    }

    private static ServiceInstance instance(String id) {
        return ServiceInstance.builder()
                .id(id)
                .name("beats")
                .version("1")
                .endpoint("grpc://127.0.0.1:9000")
                .build();
    }

    private static long passes(FakeConsul fake, String id) {
        String prefix = PASS + id + "?";
        return fake.requests().stream().filter(r -> r.startsWith(prefix)).count();
    }

    private static Duration bound() {
        return TestTime.scaled(Duration.ofSeconds(20));
    }

    @Test
    @DisplayName("fake Consul: the heartbeats of 40 instances are in flight together, never more than the bound, and"
            + " the scheduler thread stays free")
    void heartbeatsOfManyInstancesAreInFlightTogetherWithinTheBound() throws Exception {
        FakeConsul fake = later(FakeConsul.builder().start());
        var timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "test-consul-scheduler");
            t.setDaemon(true);
            return t;
        });
        later(() -> {
            timer.shutdownNow();
            assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        });
        ConsulRegistry registry = later(builder(fake)
                .maxConcurrentHeartbeats(8)
                .scheduler(Scheduler.of(timer))
                .build());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(String.format("h%02d", i));
            registry.register(instance(ids.get(i)));
        }
        RequestHolds.Hold hold = later(fake.hold(r -> r.startsWith(PASS)));

        HeldHeartbeats.check(hold, 8, timer, bound(), "the agent");
        Awaitility.await("every instance's heartbeat answered and its check passing again")
                .atMost(bound())
                .until(() -> ids.stream().allMatch(id -> "passing".equals(fake.checkStatus("service:" + id))));
        assertThat(fake.serviceIds()).containsAll(ids);
    }

    @Test
    @DisplayName(
            "fake Consul: a heartbeat in flight is not sent again, and other instances' heartbeats go on meanwhile")
    void aHeartbeatInFlightIsNotSentAgainAndOthersGoOn() {
        FakeConsul fake = later(FakeConsul.builder().start());
        ConsulRegistry registry = later(builder(fake).build());
        registry.register(instance("slow"));
        registry.register(instance("fast"));
        RequestHolds.Hold hold = later(fake.hold(r -> r.startsWith(PASS + "slow?")));
        Awaitility.await("a heartbeat of slow held")
                .atMost(bound())
                .until(() -> hold.waiting().size() == 1);

        long fastBefore = passes(fake, "fast");
        Awaitility.await("five more heartbeats of fast while slow's is held")
                .atMost(bound())
                .until(() -> passes(fake, "fast") >= fastBefore + 5);
        assertThat(hold.caught())
                .as("slow's heartbeat was sent once, though five intervals went by")
                .isEqualTo(1);

        long slowBefore = passes(fake, "slow");
        hold.close();
        Awaitility.await("slow's next heartbeat, after the held one was answered")
                .atMost(bound())
                .until(() -> passes(fake, "slow") > slowBefore && "passing".equals(fake.checkStatus("service:slow")));
        assertThat(registry.registeredInstances()).hasSize(2);
    }
}
