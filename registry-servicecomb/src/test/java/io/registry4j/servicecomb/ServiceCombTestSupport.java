package io.registry4j.servicecomb;

import io.registry4j.Backoff;
import io.registry4j.testservers.FakeServiceCenter;
import io.registry4j.testservers.ServiceCenterServer;
import java.time.Duration;

/** Settings shared by this module's tests on the fake service-center (or a real one from REGISTRY4J_TEST_SERVICECOMB). */
final class ServiceCombTestSupport {
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    static final Duration POLL = Duration.ofSeconds(2);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

    private ServiceCombTestSupport() {}

    /** A fake whose least health check is 1 s and 3 times, so that leases run out within seconds. */
    static ServiceCenterServer startServer() {
        return ServiceCenterServer.start(
                FakeServiceCenter.builder().minHealthCheck(1, 3).tickInterval(Duration.ofMillis(100)));
    }

    static ServiceCombRegistry.Builder builder(ServiceCenterServer server) {
        return ServiceCombRegistry.builder()
                .address(server.baseUri().toString())
                .heartbeatInterval(HEARTBEAT)
                .pollInterval(POLL)
                .callTimeout(CALL_TIMEOUT)
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2.0));
    }
}
