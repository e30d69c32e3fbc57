package io.registry4j.resilience;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** {@link DegradedLinkScenario} on one etcd, started for the class; one proxy in front of its client port. */
class EtcdDegradedLinkTest extends DegradedLinkScenario {
    /** The gRPC keepalive timeout of the registries behind the proxy: above the 2 s (+ jitter) round trip. */
    static final Duration DEGRADED_KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

    /** The key check interval (and bound of each check) behind the proxy: above the round trip too. */
    static final Duration DEGRADED_KEY_CHECK_INTERVAL = Duration.ofSeconds(3);

    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Server startServer() {
        return new EtcdSupport.ServerAdapter(EtcdServer.start());
    }

    @Override
    List<Route> routes(Server server) {
        URI endpoint = URI.create(server.address());
        return List.of(new Route("etcd-client", endpoint.getHost() + ":" + endpoint.getPort()));
    }

    @Override
    String createProxies(ToxiproxyClient toxiproxy, List<Route> routes, List<Proxy> created) throws IOException {
        Route route = routes.get(0);
        int port = LoopbackPorts.freePort();
        created.add(toxiproxy.createProxy(route.name(), LoopbackPorts.host() + ":" + port, route.upstream()));
        return "http://" + LoopbackPorts.host() + ":" + port;
    }

    @Override
    ServiceRegistry openDirect(String address) {
        return EtcdSupport.registry(address, EtcdSupport.LONG_TTL);
    }

    @Override
    ServiceRegistry openDegraded(String address) {
        return EtcdSupport.registry(
                address,
                EtcdSupport.LONG_TTL,
                Duration.ofSeconds(DEGRADED_CALL_SECONDS),
                DEGRADED_KEY_CHECK_INTERVAL,
                DEGRADED_KEEPALIVE_TIMEOUT);
    }

    @Override
    boolean ownerLosesWhileStopped() {
        return true;
    }

    @Override
    String staleBound() {
        return "gRPC keepalive: a ping after " + EtcdSupport.KEEPALIVE_TIME.toSeconds() + " s without data, "
                + "unanswered for " + DEGRADED_KEEPALIVE_TIMEOUT.toSeconds() + " s, ends the connection and its watch";
    }

    @Override
    String lossBound() {
        return "lease TTL " + EtcdSupport.LONG_TTL.toSeconds() + " s without a renewal: the server drops the lease, "
                + "jetcd ends the keepalive (LOST); RESTORED at the first write after data flows (backoff ≤ 0.5 s)";
    }

    @Override
    Duration renewalPeriod() {
        // jetcd renews every TTL/3.
        return Duration.ofSeconds(EtcdSupport.LONG_TTL.toSeconds() / 3 + 1);
    }

    @Override
    long bandwidthKb() {
        return 16;
    }
}
