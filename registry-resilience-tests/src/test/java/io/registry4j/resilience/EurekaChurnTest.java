package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EurekaServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
        EurekaServer eureka = SharedServers.eureka().server;
        return new Server() {
            @Override
            public String address() {
                return eureka.baseUri().toString();
            }

            @Override
            public Map<String, Set<String>> stored(List<String> services) {
                Map<String, Set<String>> out = new LinkedHashMap<>();
                for (String service : services) {
                    String body = EurekaSupport.get(EurekaSupport.app(eureka, service));
                    out.put(service, new TreeSet<>(body == null ? List.of() : EurekaSupport.ids(body)));
                }
                return out;
            }

            @Override
            public Map<String, Integer> serverSide() {
                String body = Objects.requireNonNull(EurekaSupport.get(EurekaSupport.apps(eureka)));
                return Map.of("leases", EurekaSupport.instanceCount(body));
            }

            @Override
            public void close() {
                // Shared with the partition scenario; closed when the run ends.
            }
        };
    }

    @Override
    ServiceRegistry open(String address) {
        return EurekaSupport.registry(SharedServers.eureka().server, RENEW, LEASE);
    }
}
