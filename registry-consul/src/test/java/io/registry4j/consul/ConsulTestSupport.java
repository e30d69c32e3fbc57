package io.registry4j.consul;

import io.registry4j.Backoff;
import io.registry4j.testservers.ConsulServer;
import io.registry4j.testservers.FakeConsul;
import java.time.Duration;

/** Settings shared by this module's tests on the fake Consul agent (or a real one from REGISTRY4J_TEST_CONSUL). */
final class ConsulTestSupport {
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);
    static final Duration WAIT = Duration.ofSeconds(5);

    private ConsulTestSupport() {}

    /** A fake with short reaper timings, so that critical services are reaped within seconds. */
    static ConsulServer startServer() {
        return ConsulServer.start(FakeConsul.builder()
                .tickInterval(Duration.ofMillis(50))
                .reapInterval(Duration.ofMillis(500))
                .deregisterFloor(Duration.ofSeconds(1))
                .waits(Duration.ofMinutes(5), Duration.ofMinutes(10))
                .spuriousWakeUps(0.2));
    }

    static ConsulRegistry.Builder builder(ConsulServer server) {
        return ConsulRegistry.builder()
                .address(server.baseUri().toString())
                .heartbeatInterval(HEARTBEAT)
                .deregisterCriticalServiceAfter(Duration.ofMinutes(1))
                .callTimeout(CALL_TIMEOUT)
                .wait(WAIT)
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2.0));
    }
}
