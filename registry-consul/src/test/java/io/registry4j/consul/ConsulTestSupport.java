package io.registry4j.consul;

import io.registry4j.Backoff;
import io.registry4j.testservers.ConsulServer;
import io.registry4j.testservers.FakeConsul;
import java.time.Duration;

/** Settings shared by this module's tests on the fake Consul agent (or a real one from REGISTRY4J_TEST_CONSUL). */
final class ConsulTestSupport {
    /**
     * Heartbeat every 1 s, so a TTL of 2 s: a late heartbeat turns an instance critical, and drops it from the lists
     * the kit compares, only after a 1 s stall of the registry's process, which a loaded 2-core machine still sees now
     * and then (a 500 ms margin did not hold there). The 200 instances of the bulk scenario send 200 heartbeats a
     * second.
     */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);

    /**
     * The production default: a call to the fake on loopback takes milliseconds, but a loaded machine can stall one for
     * seconds, and a registration that times out fails its scenario.
     */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

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
