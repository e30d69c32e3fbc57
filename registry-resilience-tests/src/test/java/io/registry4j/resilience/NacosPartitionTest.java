package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.NacosServer;
import io.registry4j.testservers.NetworkNamespace;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link PartitionScenario} on the shared Nacos server (a single standalone node: the partition cuts the clients off
 * that one server) in its network namespace.
 */
@ExtendWith(SharedServers.class)
class NacosPartitionTest extends PartitionScenario {
    @Override
    String backend() {
        return "nacos";
    }

    @Override
    Server start(NetworkNamespace namespace) {
        throw new UnsupportedOperationException("the Nacos server is shared: see setUp()");
    }

    @Override
    Setup setUp() {
        SharedServers.Shared<NacosServer> shared = SharedServers.nacos();
        return new Setup(shared.namespace(), new NacosSupport.ServerAdapter(shared.server), false);
    }

    @Override
    ServiceRegistry open(Server server) {
        return NacosSupport.registry(server.toString());
    }

    @Override
    @Nullable
    String holder(Server server, String id) {
        List<String> ids = NacosSupport.clientIds(
                NacosSupport.get(NacosSupport.publishers(SharedServers.nacos().server, SERVICE)));
        return ids.isEmpty() ? null : "connection " + String.join(",", ids);
    }

    @Override
    String lossLearnedOnlyOnReturn() {
        return "a Nacos instance lives as long as the SDK's gRPC connection, and the SDK reports a connection's end "
                + "only when a new one is made; until then the registry can tell only that the connection does not "
                + "work (its watches are STALE)";
    }

    @Override
    boolean heldWhileCut(Setup setup, String id) {
        String body = InsideNamespace.get(
                setup.namespace(), NacosSupport.publishers(SharedServers.nacos().server, SERVICE), "application/json");
        if (!body.contains("\"code\":0")) {
            throw new IllegalStateException("the Nacos admin API answered inside the namespace: " + body);
        }
        return !NacosSupport.clientIds(body).isEmpty();
    }

    @Override
    String documentedBound() {
        return "server: a connection silent for 20 s is probed and dropped with its instances (Nacos' "
                + "NacosRuntimeConnectionEjector, every 3 s); client: health check every 5 s, then reconnect; "
                + "RESTORED once the SDK reconnects and the registry writes again";
    }
}
