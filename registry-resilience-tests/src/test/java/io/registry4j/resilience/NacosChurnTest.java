package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.NacosServer;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ChurnScenario} on the shared Nacos server; truth read with a plain Nacos SDK client, server side: the
 * server's clients (one per SDK connection).
 */
@ExtendWith(SharedServers.class)
class NacosChurnTest extends ChurnScenario {
    @Override
    String backend() {
        return "nacos";
    }

    @Override
    Server start() {
        NacosServer nacos = SharedServers.nacos().server;
        // A first registry starts what the SDK shares across the JVM and keeps to its end (event publishers, gRPC's
        // event loop), as in registry-nacos' NacosThreadsTest: the scenario's thread baseline comes after it, and its
        // server-side baseline after the server has dropped the warm-up's connection.
        int clientsBefore = NacosSupport.clientCount(nacos);
        try (ServiceRegistry warmUp = NacosSupport.registry(nacos.serverAddr())) {
            warmUp.getService("churn-warm-up");
        }
        await("the server to drop the warm-up registry's connection")
                .atMost(bound(Duration.ofSeconds(30)))
                .until(() -> NacosSupport.clientCount(nacos) <= clientsBefore);
        return new NacosSupport.ServerAdapter(nacos);
    }

    @Override
    ServiceRegistry open(String address) {
        return NacosSupport.registry(address);
    }
}
