package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ChurnScenario} on the shared Eureka server; truth and server side (leases) read over its REST API. */
@ExtendWith(SharedServers.class)
class EurekaChurnTest extends ChurnScenario {
    /** Eureka's defaults: 1,000 instances renewing every second would be the load, not the churn. */
    static final Duration RENEW = Duration.ofSeconds(10);

    static final Duration LEASE = Duration.ofSeconds(30);

    @Override
    String backend() {
        return "eureka";
    }

    @Override
    Server start() {
        return new EurekaSupport.ServerAdapter(SharedServers.eureka().server);
    }

    @Override
    ServiceRegistry open(String address) {
        return EurekaSupport.registry(SharedServers.eureka().server, RENEW, LEASE);
    }
}
